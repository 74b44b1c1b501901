import assert from "node:assert/strict";
import { deadline } from "./deadline.ts";
import { delay } from "./delay.ts";

/** Timers and listeners must be gone when each test ends. */
const strict = { sanitizeOps: true, sanitizeResources: true };

/** A promise that never settles (no timer behind it, so nothing leaks). */
const never = () => new Promise<never>(() => {});

Deno.test({
  name: "deadline() answers with the promise's value when it settles first",
  ...strict,
  fn: async () => {
    const value = await deadline(Promise.resolve(42), 60_000, { onTimeout: () => "late" });
    assert.equal(value, 42);
  },
});

Deno.test({
  name: "deadline() passes the promise's rejection through",
  ...strict,
  fn: async () => {
    const why = new TypeError("the kernel died");
    await assert.rejects(deadline(Promise.reject(why), 60_000), (err) => err === why);
  },
});

Deno.test({
  name: "deadline() answers with onTimeout() when the time passes first",
  ...strict,
  fn: async () => {
    const start = performance.now();
    const value = await deadline(never(), 30, { onTimeout: () => "timeout" as const });
    assert.equal(value, "timeout");
    assert.ok(performance.now() - start >= 25, "timed out too early");
  },
});

Deno.test({
  name: "deadline() throws DOMException TimeoutError without onTimeout",
  ...strict,
  fn: async () => {
    await assert.rejects(
      deadline(never(), 10),
      (err) => err instanceof DOMException && err.name === "TimeoutError",
    );
  },
});

Deno.test({
  name: "deadline() answers with onAbort() when the signal aborts first",
  ...strict,
  fn: async () => {
    const stop = new AbortController();
    const waiting = deadline(never(), 60_000, {
      onTimeout: () => "timeout" as const,
      signal: stop.signal,
      onAbort: () => "cancelled" as const,
    });
    stop.abort();
    assert.equal(await waiting, "cancelled");
  },
});

Deno.test({
  name: "deadline() rejects with the signal's reason without onAbort, also when already aborted",
  ...strict,
  fn: async () => {
    const why = new Error("client went away");
    await assert.rejects(
      deadline(never(), 60_000, { signal: AbortSignal.abort(why) }),
      (e) => e === why,
    );
  },
});

Deno.test({
  name: "deadline() ignores the signal and the timer once the promise settled",
  ...strict,
  fn: async () => {
    const stop = new AbortController();
    let timedOut = false;
    const value = await deadline(delay(5).then(() => "done"), 40, {
      onTimeout: () => timedOut = true,
      signal: stop.signal,
      onAbort: () => "cancelled",
    });
    stop.abort();
    await delay(60);
    assert.equal(value, "done");
    assert.equal(timedOut, false, "onTimeout ran after the answer");
  },
});

Deno.test({
  name: "deadline() with Infinity waits for the promise and sets no timer",
  ...strict,
  fn: async () => {
    assert.equal(await deadline(delay(5).then(() => 1), Infinity), 1);
  },
});

Deno.test({
  name: "deadline() rejects with what onTimeout throws",
  ...strict,
  fn: async () => {
    const why = new RangeError("over the limit");
    await assert.rejects(
      deadline(never(), 5, {
        onTimeout: () => {
          throw why;
        },
      }),
      (err) => err === why,
    );
  },
});
