/**
 * The cell service (cell.ts): a real subprocess executor with python3 for
 * what the code shows, how shutdown interrupts it and what metrics record;
 * an executor of our own {@link Executor} interface where the test must
 * decide when a cell ends (gate limits, progress, a broken executor).
 */
import assert from "node:assert/strict";
import { deadline } from "../async/deadline.ts";
import { delay } from "../async/delay.ts";
import { silentLogger } from "../obs/log.ts";
import { createMetrics } from "../obs/metrics.ts";
import { workspaceOutputFiles } from "../workspace/outputs.ts";
import { type CellAnswer, type CellProgress, CellRunner, SHUTDOWN_NOTE } from "./cell.ts";
import type { ExecuteRequest, ExecutionResult, Executor } from "./executor.ts";
import { ExecutionGate } from "./gate.ts";
import { createSubprocessExecutor } from "./subprocess.ts";

const PYTHON = "/usr/bin/python3";

function textOf(answer: CellAnswer): string {
  const first = answer.content[0];
  assert.equal(first.type, "text");
  return (first as { text: string }).text;
}

/** Runs `body` with a subprocess executor on a fresh temporary workspace, then closes both. */
async function withSubprocess(
  body: (executor: Executor, workspace: string) => Promise<void>,
): Promise<void> {
  const workspace = Deno.makeTempDirSync({ prefix: "sk-cell-" });
  const executor = createSubprocessExecutor({
    python: PYTHON,
    workspacePath: workspace,
    timeoutSeconds: 60,
    logger: silentLogger,
  });
  try {
    await body(executor, workspace);
  } finally {
    await executor.close();
    Deno.removeSync(workspace, { recursive: true });
  }
}

/**
 * An executor whose cells print `print` and then end when the test says so
 * (or when their signal aborts: then `cancelled`, as the real ones answer).
 */
class HeldExecutor implements Executor {
  readonly kind = "local";
  readonly stateful = true;
  readonly #held: (() => void)[] = [];
  fail?: Error;
  print = "";

  /** Ends every cell running now. */
  releaseAll(): void {
    for (const release of this.#held.splice(0)) release();
  }

  execute(request: ExecuteRequest): Promise<ExecutionResult> {
    if (this.fail) return Promise.reject(this.fail);
    if (this.print) request.onOutput({ type: "stream", name: "stdout", text: this.print });
    return new Promise((resolve) => {
      const abort = () => resolve({ end: { kind: "cancelled", stateKept: true }, notes: [] });
      if (request.signal?.aborted) return abort();
      request.signal?.addEventListener("abort", abort, { once: true });
      this.#held.push(() => resolve({ end: { kind: "ok" }, notes: [] }));
    });
  }
  reset(): Promise<string> {
    return Promise.resolve("reset");
  }
  sessionClosed(): Promise<void> {
    return Promise.resolve();
  }
  ready() {
    return Promise.resolve({ ok: true, detail: "held" });
  }
  close(): Promise<void> {
    this.releaseAll();
    return Promise.resolve();
  }
}

function heldRunner(gate?: ExecutionGate, tickMs?: number) {
  const workspace = Deno.makeTempDirSync({ prefix: "sk-cell-" });
  const executor = new HeldExecutor();
  const metrics = createMetrics();
  const cells = new CellRunner({
    executor,
    files: workspaceOutputFiles(workspace),
    maxOutput: 20000,
    logger: silentLogger,
    metrics,
    gate,
    tickMs,
  });
  const cleanup = () => Deno.removeSync(workspace, { recursive: true });
  return { executor, cells, metrics, cleanup };
}

const never = () => new AbortController().signal;

Deno.test("CellRunner.run() returns what the cell printed, and an exception with its traceback", async () => {
  await withSubprocess(async (executor, workspace) => {
    const cells = new CellRunner({
      executor,
      files: workspaceOutputFiles(workspace),
      maxOutput: 20000,
      logger: silentLogger,
    });
    assert.equal(cells.stateful, false);
    const ok = await cells.run({ code: "print(1 + 1)", signal: never() });
    assert.equal(ok.ended, "ok");
    assert.equal(textOf(ok), "2\n");
    const raised = await cells.run({ code: "print('before')\n1 / 0", signal: never() });
    assert.equal(raised.ended, "error");
    assert.match(textOf(raised), /^before\n[\s\S]*ZeroDivisionError: division by zero/);
  });
});

Deno.test("CellRunner.run() cuts long output to maxOutput, saves the rest, and counts the truncation", async () => {
  await withSubprocess(async (executor, workspace) => {
    const metrics = createMetrics();
    const cells = new CellRunner({
      executor,
      files: workspaceOutputFiles(workspace),
      maxOutput: 1000,
      logger: silentLogger,
      metrics,
    });
    const answer = await cells.run({ code: "print('x' * 50_000)", signal: never() });
    assert.equal(answer.truncated, true);
    const text = textOf(answer);
    assert.ok(text.length < 1500, `${text.length} characters`);
    const saved = /the full output is saved in (\S+) /.exec(text)?.[1];
    assert.ok(saved?.startsWith(workspace), text);
    assert.ok(Deno.readTextFileSync(saved!).includes("x".repeat(50_000)));
    const exposition = metrics.render();
    assert.match(exposition, /sidekernel_output_truncations_total\{tool="python"\} 1/);
    assert.match(
      exposition,
      /sidekernel_execution_duration_seconds_count\{executor="subprocess"\} 1/,
    );
  });
});

Deno.test("CellRunner.run() interrupted by shutdown says so, and a cell after it is refused", async () => {
  await withSubprocess(async (executor, workspace) => {
    const gate = new ExecutionGate({ maxGlobal: 4, maxPerSession: 2 });
    const cells = new CellRunner({
      executor,
      files: workspaceOutputFiles(workspace),
      maxOutput: 20000,
      logger: silentLogger,
      gate,
      tickMs: 50,
    });
    const { promise: started, resolve: onStarted } = Promise.withResolvers<void>();
    const running = cells.run({
      code: "import time\nprint('started', flush=True)\ntime.sleep(60)",
      sessionId: "s1",
      signal: never(),
      onProgress: (tick) => {
        if (tick.message.endsWith(": started")) onStarted();
      },
    });
    await deadline(started, 30_000); // the cell printed "started" (else a TimeoutError)
    const interrupted = await gate.drain(200, 20_000);
    assert.equal(interrupted, 1);
    const answer = await running;
    assert.equal(answer.ended, "cancelled");
    assert.equal(answer.shutDown, true);
    assert.match(textOf(answer), /^started\n/);
    assert.ok(textOf(answer).endsWith(SHUTDOWN_NOTE), textOf(answer));
    const after = await cells.run({ code: "print(1)", sessionId: "s2", signal: never() });
    assert.equal(after.ended, "refused");
    assert.match(textOf(after), /shutting down and takes no new executions/);
    assert.equal(gate.inFlight, 0);
  });
});

Deno.test("CellRunner.run() refuses past the per-session limit, naming it, and admits again once a cell ends", async () => {
  const gate = new ExecutionGate({ maxGlobal: 8, maxPerSession: 1 });
  const { executor, cells, cleanup } = heldRunner(gate);
  try {
    const first = cells.run({ code: "1", sessionId: "a", signal: never() });
    const refused = await cells.run({ code: "2", sessionId: "a", signal: never() });
    assert.equal(refused.ended, "refused");
    assert.match(textOf(refused), /this MCP session already runs 1 executions at once/);
    const other = cells.run({ code: "3", sessionId: "b", signal: never() });
    assert.equal(gate.inFlight, 2);
    executor.releaseAll();
    assert.equal((await first).ended, "ok");
    assert.equal((await other).ended, "ok");
    assert.equal(gate.inFlight, 0);
    const again = cells.run({ code: "4", sessionId: "a", signal: never() });
    executor.releaseAll();
    assert.equal((await again).ended, "ok");
  } finally {
    cleanup();
  }
});

Deno.test("CellRunner.run() cancelled by its caller is not called a shutdown", async () => {
  const gate = new ExecutionGate({ maxGlobal: 8, maxPerSession: 8 });
  const { cells, cleanup } = heldRunner(gate);
  try {
    const caller = new AbortController();
    const running = cells.run({ code: "1", sessionId: "a", signal: caller.signal });
    caller.abort();
    const answer = await running;
    assert.equal(answer.ended, "cancelled");
    assert.equal(answer.shutDown, false);
    assert.ok(!textOf(answer).includes("[SHUTDOWN]"), textOf(answer));
    assert.equal(gate.inFlight, 0);
  } finally {
    cleanup();
  }
});

Deno.test("CellRunner.run() ticks progress with the last output line while the cell runs, and stops after", async () => {
  const { executor, cells, cleanup } = heldRunner(undefined, 20);
  try {
    executor.print = "step 1\nstep 2\n";
    const ticks: CellProgress[] = [];
    let rejected = 0;
    const running = cells.run({
      code: "loop()",
      signal: never(),
      onProgress: (tick) => {
        ticks.push(tick);
        // A client that went away: its rejection must not end the cell.
        rejected++;
        return Promise.reject(new Error("the client is gone"));
      },
    });
    const until = Date.now() + 10_000;
    while (ticks.length < 3 && Date.now() < until) await delay(20);
    executor.releaseAll();
    const answer = await running;
    assert.equal(answer.ended, "ok");
    assert.equal(textOf(answer), "step 1\nstep 2\n");
    assert.ok(ticks.length >= 3, `${ticks.length} ticks`);
    assert.equal(rejected, ticks.length);
    for (const tick of ticks) {
      assert.match(tick.message, /^running for \d+ s: step 2$/);
      assert.equal(tick.message, `running for ${tick.seconds} s: step 2`);
    }
    const seen = ticks.length;
    await delay(100);
    assert.equal(ticks.length, seen, "no tick after the cell ended");
  } finally {
    cleanup();
  }
});

Deno.test("CellRunner.run() answers a broken executor with what went wrong, and frees the gate and metrics", async () => {
  const gate = new ExecutionGate({ maxGlobal: 1, maxPerSession: 1 });
  const { executor, cells, metrics, cleanup } = heldRunner(gate);
  try {
    executor.fail = new Error('the kernel at "http://127.0.0.1:8888" does not answer');
    const answer = await cells.run({ code: "1", sessionId: "a", signal: never() });
    assert.equal(answer.ended, "failed");
    assert.equal(
      textOf(answer),
      'The code could not be run: the kernel at "http://127.0.0.1:8888" does not answer',
    );
    assert.equal(gate.inFlight, 0);
    assert.match(metrics.render(), /sidekernel_executions_in_flight\{executor="local"\} 0/);
    executor.fail = undefined;
    const next = cells.run({ code: "2", sessionId: "a", signal: never() });
    executor.releaseAll();
    assert.equal((await next).ended, "ok");
  } finally {
    cleanup();
  }
});
