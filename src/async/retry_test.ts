import assert from "node:assert/strict";
import { retry } from "./retry.ts";

/** Timers and listeners must be gone when each test ends. */
const strict = { sanitizeOps: true, sanitizeResources: true };

class Flaky extends Error {}

/** An attempt that fails `failures` times with {@link Flaky}, then returns its number. */
function flaky(failures: number): { fn: (attempt: number) => Promise<number>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    fn: (attempt) => {
      calls.push(attempt);
      return calls.length <= failures
        ? Promise.reject(new Flaky(`failure ${calls.length}`))
        : Promise.resolve(attempt);
    },
  };
}

Deno.test({
  name: "retry() returns the first success, numbering the attempts from 1",
  ...strict,
  fn: async () => {
    const { fn, calls } = flaky(2);
    assert.equal(await retry(fn, { attempts: 5 }), 3);
    assert.deepEqual(calls, [1, 2, 3]);
  },
});

Deno.test({
  name: "retry() throws the last error itself once the attempts are spent",
  ...strict,
  fn: async () => {
    const { fn, calls } = flaky(10);
    await assert.rejects(
      retry(fn, { attempts: 3 }),
      (err) => err instanceof Flaky && err.message === "failure 3",
    );
    assert.equal(calls.length, 3);
  },
});

Deno.test({
  name: "retry() makes 3 attempts by default",
  ...strict,
  fn: async () => {
    const { fn, calls } = flaky(10);
    await assert.rejects(retry(fn), Flaky);
    assert.equal(calls.length, 3);
  },
});

Deno.test({
  name: "retry() throws at once an error that retryIf refuses",
  ...strict,
  fn: async () => {
    let calls = 0;
    const fatal = new TypeError("kernel not found");
    await assert.rejects(
      retry(() => {
        calls++;
        return Promise.reject(fatal);
      }, { attempts: 5, retryIf: (err) => err instanceof Flaky }),
      (err) => err === fatal,
    );
    assert.equal(calls, 1);
  },
});

Deno.test({
  name: "retry() waits backoff(n) after the n-th failure",
  ...strict,
  fn: async () => {
    const { fn } = flaky(2);
    const waits: number[] = [];
    const start = performance.now();
    await retry(fn, {
      attempts: 3,
      backoff: (n) => {
        waits.push(n);
        return 20 * n;
      },
    });
    assert.deepEqual(waits, [1, 2]);
    assert.ok(performance.now() - start >= 55, "did not wait 20 + 40 ms");
  },
});

Deno.test({
  name: "retry() with until keeps trying until the time, then throws the last error",
  ...strict,
  fn: async () => {
    const { fn, calls } = flaky(1000);
    const start = Date.now();
    await assert.rejects(retry(fn, { until: start + 100, backoff: 20 }), Flaky);
    assert.ok(Date.now() - start >= 95, "gave up before the time");
    assert.ok(calls.length >= 2 && calls.length <= 7, `${calls.length} attempts`);
  },
});

Deno.test({
  name: "retry() rejects with the signal's reason when it aborts during a wait",
  ...strict,
  fn: async () => {
    const stop = new AbortController();
    const why = new Error("connection closed by us");
    const { fn, calls } = flaky(1000);
    const trying = retry(fn, { until: Date.now() + 60_000, backoff: 60_000, signal: stop.signal });
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    stop.abort(why);
    await assert.rejects(trying, (err) => err === why);
    assert.equal(calls.length, 1);
  },
});

Deno.test({
  name: "retry() makes no attempt when the signal already aborted",
  ...strict,
  fn: async () => {
    const { fn, calls } = flaky(0);
    await assert.rejects(retry(fn, { signal: AbortSignal.abort() }), DOMException);
    assert.equal(calls.length, 0);
  },
});
