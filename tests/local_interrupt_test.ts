/**
 * The local executor when code will not end by itself: timeout and MCP
 * cancellation interrupt it (KeyboardInterrupt) and keep state; code that
 * ignores the interrupt is killed and the answer says state was lost.
 * Real server process, real MCP SDK client.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const ws = makeWorkspace();
const server = await startServer(["--timeout", "3"], { workspace: ws.path });
const c: Client = await connectStreamable(`${server.url}/mcp`);

Deno.test.afterAll(async () => {
  await c.close();
  assert.equal(await server.stop(), 0, "exits 0 on SIGTERM");
  ws.cleanup();
});

const text = async (code: string, signal?: AbortSignal) =>
  firstText(await c.callTool({ name: "python", arguments: { code } }, undefined, { signal }));

Deno.test("local executor: a timeout interrupts the code and keeps state", async () => {
  await text("total = 41");
  const started = performance.now();
  const out = await text("import time\nprint('working', flush=True)\ntime.sleep(60)");
  const seconds = (performance.now() - started) / 1000;
  assert.match(out, /^working\n/);
  assert.match(out, /KeyboardInterrupt/);
  assert.match(
    out,
    /\[TIMEOUT\] Execution timed out after 3 s and was interrupted; the kernel's state was kept/,
  );
  assert.ok(seconds < 20, `answered after ${seconds.toFixed(1)} s`);
  assert.equal(await text("print(total + 1)"), "42\n");
});

Deno.test("local executor: code that ignores KeyboardInterrupt is killed; the answer says state was lost", async () => {
  await text("doomed = 1");
  const code = [
    "import time",
    "while True:",
    "    try:",
    "        time.sleep(60)",
    "    except KeyboardInterrupt:",
    "        pass",
  ].join("\n");
  const started = performance.now();
  const out = await text(code);
  const seconds = (performance.now() - started) / 1000;
  assert.match(out, /\[TIMEOUT\].*earlier variables and imports are gone/);
  assert.ok(seconds < 30, `answered after ${seconds.toFixed(1)} s`);
  assert.match(await text("doomed"), /NameError/);
  assert.equal(await text("print('alive')"), "alive\n", "a new interpreter serves");
});

Deno.test("local executor: MCP cancellation interrupts the code and keeps state", async () => {
  await text("kept = 'yes'");
  const marker = join(ws.path, "after-sleep.txt");
  const abort = new AbortController();
  const call = text(
    "import time\ntime.sleep(2.5)\nopen('after-sleep.txt', 'w').write('ran on')",
    abort.signal,
  );
  setTimeout(() => abort.abort(), 800);
  await assert.rejects(call);
  const started = performance.now();
  assert.equal(await text("print(kept)"), "yes\n", "state kept after cancellation");
  assert.ok(performance.now() - started < 2000, "the next call did not wait for the sleep");
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(!existsSync(marker), "the cancelled code did not go on running");
});
