/**
 * The local executor with `--kernel-scope session`: each MCP session has its
 * own interpreter, none sees another's variables; and a cell printing 200 MB
 * leaves the server's memory bounded. Real server process, real MCP clients.
 */
import assert from "node:assert/strict";
import { type Client, connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, rssMiB, startServer } from "./support/server.ts";

const ws = makeWorkspace();
const server = await startServer(["--kernel-scope", "session", "--timeout", "120"], {
  workspace: ws.path,
});
const clients: Client[] = [];

Deno.test.afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  assert.equal(await server.stop(), 0, "exits 0 on SIGTERM");
  ws.cleanup();
});

async function client(): Promise<Client> {
  const c = await connectStreamable(`${server.url}/mcp`);
  clients.push(c);
  return c;
}

const text = async (c: Client, code: string) =>
  firstText(await c.callTool({ name: "python", arguments: { code } }));

Deno.test("local executor, session scope: sessions are isolated, each keeps its own state", async () => {
  const a = await client();
  const b = await client();
  await text(a, "who = 'a'");
  await text(b, "who = 'b'");
  assert.equal(await text(a, "print(who)"), "a\n");
  assert.equal(await text(b, "print(who)"), "b\n");
  const pids = [await text(a, "import os\nos.getpid()"), await text(b, "import os\nos.getpid()")];
  assert.notEqual(pids[0], pids[1], "two interpreters");
  const c = await client();
  assert.match(await text(c, "who"), /NameError/, "a new session starts empty");
});

Deno.test("local executor: 200 MB of output is answered with head+tail and bounded memory", async () => {
  const c = await client();
  const code = "import sys\nline = 'x' * 99 + '\\n'\n" +
    "for i in range(2_000_000):\n    sys.stdout.write(line)\nprint('end')";
  let peak = 0;
  const sampler = setInterval(async () => {
    peak = Math.max(peak, await rssMiB(server.pid).catch(() => 0));
  }, 200);
  const started = performance.now();
  const out = await text(c, code);
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  assert.match(out, /characters cut here; the full output is saved in/);
  assert.match(out, /end\n$/);
  assert.ok(out.length < 25_000, `${out.length} characters returned`);
  assert.ok(peak < 400, `server peak RSS ${peak.toFixed(0)} MiB`);
  assert.ok(seconds < 90, `200 MB took ${seconds.toFixed(1)} s`);
});
