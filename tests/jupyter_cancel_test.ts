/**
 * A call cancelled while its kernel is still being started (the first call
 * of a session starts one) is answered as cancelled and its code never runs:
 * the client gave up on it, so it must not change files or variables later.
 * Real Jupyter Server, real kernel.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { delay, runCell, startJupyterServer } from "./support/jupyter.ts";
import { createJupyterExecutor } from "../src/exec/jupyter.ts";
import { silentLogger } from "../src/obs/log.ts";

Deno.test("jupyter executor: a call cancelled while the kernel starts is not run, the next one is", async () => {
  const server = await startJupyterServer();
  const executor = createJupyterExecutor({
    url: server.url,
    token: server.token,
    timeoutSeconds: 20,
    logger: silentLogger,
  });
  try {
    const stop = new AbortController();
    const code = "open('cancelled_ran.txt', 'w').write('1')\nx = 'set by the cancelled call'";
    const running = runCell(executor, code, { signal: stop.signal });
    // Starting a kernel takes hundreds of ms; the cancel arrives meanwhile.
    await delay(20);
    stop.abort();
    const run = await running;
    assert.deepEqual(run.end, { kind: "cancelled", stateKept: true });
    await delay(1000);
    assert.equal(existsSync(join(server.rootDir, "cancelled_ran.txt")), false, "the code ran");
    const next = await runCell(executor, "print('x' in globals())");
    assert.deepEqual(next.end, { kind: "ok" });
    assert.equal(next.streams, "False\n");
  } finally {
    await executor.close();
    await server.stop();
  }
});
