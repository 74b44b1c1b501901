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
import { connectStreamable, firstText } from "./support/clients.ts";
import { buildBundle, type Bundle } from "./support/bundle.ts";
import { makeWorkspace, ROOT } from "./support/server.ts";
import { createTestCa } from "./support/webhook_certs.ts";
import { loadReview, type Obj, reviewFor } from "./support/webhook_harness.ts";
import { postReview } from "./support/webhook_process.ts";

/** Starts the bundle with `args` and waits for the log line with a URL. */
async function start(bundle: Bundle, args: string[], serving: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...bundle.command, ...args],
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
  const bundle = await buildBundle();
  const ws = makeWorkspace();
  const server = await start(bundle, [
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
    await bundle.cleanup();
    assert.equal(code, 0);
  }
});

Deno.test("bundle: serves the admission webhook from its own worker", async () => {
  const bundle = await buildBundle();
  const ca = await createTestCa();
  const { certFile, keyFile } = await ca.issue("bundle");
  const webhook = await start(bundle, [
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
    await bundle.cleanup();
    assert.equal(code, 0);
  }
});
