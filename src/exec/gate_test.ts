/**
 * The execution gate (gate.ts): the limits a caller is refused by, with the
 * sentence it reads, and shutdown: a grace for running executions, then an
 * abort, counted.
 */
import assert from "node:assert/strict";
import { ExecutionGate, type Lease, refusalText } from "./gate.ts";

function admitted(lease: Lease | string): Lease {
  assert.ok(typeof lease !== "string", `refused: ${lease}`);
  return lease;
}

Deno.test("ExecutionGate.enter() refuses past the per-session and the global limit, and admits again after release()", () => {
  const gate = new ExecutionGate({ maxGlobal: 2, maxPerSession: 1 });
  const a = admitted(gate.enter("a"));
  assert.equal(gate.enter("a"), "session");
  const b = admitted(gate.enter("b"));
  assert.equal(gate.enter("c"), "global");
  assert.equal(gate.inFlight, 2);
  a.release();
  a.release(); // twice is once
  assert.equal(gate.inFlight, 1);
  assert.equal(gate.running("a"), 0);
  admitted(gate.enter("a")).release();
  b.release();
  assert.equal(gate.inFlight, 0);
});

Deno.test("refusalText() names the flag or what to wait for", () => {
  const limits = { maxGlobal: 4, maxPerSession: 2 };
  assert.match(refusalText("global", limits), /limit of 4 executions at once \(--max-executions\)/);
  assert.match(refusalText("session", limits), /already runs 2 executions at once; wait/);
  assert.match(refusalText("draining", limits), /shutting down and takes no new executions/);
});

Deno.test("ExecutionGate.drain() waits for running executions within the grace and aborts none", async () => {
  const gate = new ExecutionGate({ maxGlobal: 4, maxPerSession: 4 });
  const first = admitted(gate.enter("a"));
  const second = admitted(gate.enter("b"));
  setTimeout(() => first.release(), 20);
  setTimeout(() => second.release(), 60);
  const started = performance.now();
  assert.equal(await gate.drain(10_000), 0);
  assert.ok(performance.now() - started < 5_000);
  assert.equal(first.signal.aborted, false);
  assert.equal(gate.enter("c"), "draining");
});

Deno.test("ExecutionGate.drain() aborts what still runs after the grace and says how many", async () => {
  const gate = new ExecutionGate({ maxGlobal: 4, maxPerSession: 4 });
  const stuck = admitted(gate.enter("a"));
  const quick = admitted(gate.enter("b"));
  quick.release();
  stuck.signal.addEventListener("abort", () => setTimeout(() => stuck.release(), 10));
  assert.equal(await gate.drain(50, 10_000), 1);
  assert.equal(stuck.signal.aborted, true);
  assert.match(String(stuck.signal.reason), /sidekernel is shutting down/);
  assert.equal(gate.inFlight, 0);
});

Deno.test("ExecutionGate.drain() with nothing running returns at once", async () => {
  const gate = new ExecutionGate({ maxGlobal: 1, maxPerSession: 1 });
  assert.equal(await gate.drain(60_000), 0);
  assert.equal(gate.draining, true);
});
