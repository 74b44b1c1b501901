/**
 * A call cancelled while the local interpreter is still starting is answered
 * as cancelled and its code never runs: the client gave up on it, so it must
 * not change files or variables later. Real interpreter, real temp workspace.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createLocalExecutor } from "../src/exec/local.ts";
import type { ExecutionResult } from "../src/exec/executor.ts";
import { silentLogger } from "../src/obs/log.ts";

Deno.test("local executor: a call cancelled while the interpreter starts is not run, the next one is", async () => {
  const workspace = Deno.makeTempDirSync({ prefix: "sidekernel-cancel-" });
  const executor = createLocalExecutor({
    python: "/usr/bin/python3",
    workspacePath: workspace,
    timeoutSeconds: 20,
    logger: silentLogger,
  });
  const run = (code: string, signal?: AbortSignal): Promise<ExecutionResult & { out: string }> => {
    let out = "";
    return executor.execute({
      code,
      signal,
      onOutput: (e) => out += e.type === "stream" ? e.text : "",
    }).then((result) => ({ ...result, out }));
  };
  try {
    const stop = new AbortController();
    const running = run("open('cancelled_ran.txt', 'w').write('1')\nx = 1", stop.signal);
    // Starting an interpreter takes tens of ms at least; the cancel arrives meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    const cancelled = await running;
    assert.deepEqual(cancelled.end, { kind: "cancelled", stateKept: true });
    const next = await run("print('x' in globals())");
    assert.deepEqual(next.end, { kind: "ok" });
    assert.equal(next.out, "False\n");
    assert.equal(existsSync(join(workspace, "cancelled_ran.txt")), false, "the code ran");
  } finally {
    await executor.close();
    Deno.removeSync(workspace, { recursive: true });
  }
});
