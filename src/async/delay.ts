/**
 * Waiting a while, stoppable with an abort signal.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds; rejects with the signal's reason when it
 * aborts first (or already has). The timer is cleared either way.
 *
 * @param ms How long to wait, in milliseconds.
 * @param signal Stops the wait.
 * @returns A promise that resolves with nothing after `ms`.
 * @throws The signal's `reason` when it aborts before `ms` passes.
 *
 * @example
 * ```ts
 * import { delay } from "./delay.ts";
 * const stop = new AbortController();
 * await delay(10, stop.signal); // resolves after 10 ms
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
