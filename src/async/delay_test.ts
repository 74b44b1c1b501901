import assert from "node:assert/strict";
import { delay } from "./delay.ts";

/** Timers and listeners must be gone when each test ends. */
const strict = { sanitizeOps: true, sanitizeResources: true };

Deno.test({
  name: "delay() resolves after the given time",
  ...strict,
  fn: async () => {
    const start = performance.now();
    await delay(30);
    assert.ok(performance.now() - start >= 25, "resolved too early");
  },
});

Deno.test({
  name: "delay() rejects with the signal's reason when it aborts, and clears its timer",
  ...strict,
  fn: async () => {
    const stop = new AbortController();
    const waiting = delay(60_000, stop.signal);
    const why = new Error("shutting down");
    stop.abort(why);
    await assert.rejects(waiting, (err) => err === why);
  },
});

Deno.test({
  name: "delay() rejects at once when the signal already aborted",
  ...strict,
  fn: async () => {
    const why = new Error("already stopped");
    const start = performance.now();
    await assert.rejects(delay(60_000, AbortSignal.abort(why)), (err) => err === why);
    assert.ok(performance.now() - start < 1000);
  },
});
