/**
 * The bundle `deno compile` is built from (scripts/bundle.sh, used by
 * scripts/compile.sh): run with the `server` permission set and the flags of
 * `deno task start`, it serves a `python` call over Streamable HTTP and the
 * admission webhook over HTTPS (each from its own worker, found at its path in
 * the bundle), and exits 0 on SIGTERM.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, ROOT, SERVE_ARGS } from "./support/server.ts";
import { createTestCa } from "./support/webhook_certs.ts";
import { loadReview, type Obj, reviewFor } from "./support/webhook_harness.ts";
import { postReview } from "./support/webhook_process.ts";

/** The flags of `deno task start` (SERVE_ARGS less the entry and command) plus the config. */
const RUN_FLAGS = [
  ...SERVE_ARGS.slice(0, SERVE_ARGS.indexOf(join(ROOT, "main.ts"))),
  "--config",
  join(ROOT, "deno.json"),
];

async function bundle(): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "sidekernel-bundle-" });
  const built = await new Deno.Command("sh", {
    args: [join(ROOT, "scripts/bundle.sh"), out],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(built.success, new TextDecoder().decode(built.stderr));
  return out;
}

/** Starts `deno run FLAGS <bundle>/main.js ARGS` and waits for the log line with a URL. */
async function start(entry: string, args: string[], serving: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...RUN_FLAGS, entry, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!url) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (line.includes(serving)) url = JSON.parse(line).url;
    }
  }
  clearTimeout(deadline);
  const rest = (async () => {
    while (!(await reader.read()).done);
  })();
  return {
    url,
    lines,
    async stop(): Promise<number> {
      if (url) child.kill("SIGTERM");
      const { code } = await child.status;
      await rest;
      return code;
    },
  };
}

Deno.test("bundle: serves a python call from its serving worker and exits 0 on SIGTERM", async () => {
  const out = await bundle();
  const ws = makeWorkspace();
  const server = await start(join(out, "main.js"), [
    "serve",
    "--port",
    "0",
    "--workspace-path",
    ws.path,
    "--toolsets",
    "python",
  ], '"serving MCP over HTTP"');
  try {
    assert.ok(server.url, `the bundle did not serve:\n${server.lines.join("\n")}`);
    const client = await connectStreamable(`${server.url}/mcp`);
    const result = await client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
    assert.equal(firstText(result).trim(), "42");
    await client.close();
  } finally {
    const code = await server.stop();
    ws.cleanup();
    await Deno.remove(out, { recursive: true });
    assert.equal(code, 0);
  }
});

Deno.test("bundle: serves the admission webhook from its own worker", async () => {
  const out = await bundle();
  const ca = await createTestCa();
  const { certFile, keyFile } = await ca.issue("bundle");
  const webhook = await start(join(out, "main.js"), [
    "webhook",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--tls-cert-file",
    certFile,
    "--tls-key-file",
    keyFile,
  ], '"serving the admission webhook over HTTPS"');
  const client = Deno.createHttpClient({ caCerts: [ca.caCert] });
  try {
    assert.ok(webhook.url, `the bundle did not serve:\n${webhook.lines.join("\n")}`);
    const pod = (loadReview("pod_create_job").request as Obj).object as Obj;
    const answer = await postReview(client, webhook.url, reviewFor(pod));
    assert.equal(answer.status, 200);
    const response = JSON.parse(answer.text).response;
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, "JSONPatch");
  } finally {
    client.close();
    const code = await webhook.stop();
    await ca.cleanup();
    await Deno.remove(out, { recursive: true });
    assert.equal(code, 0);
  }
});
