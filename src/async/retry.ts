/**
 * Trying again: a bounded number of attempts or until a time, with a wait
 * between them, only for the errors worth it, stoppable with an abort signal.
 *
 * @module
 */

import { delay } from "./delay.ts";

/** Options of {@link retry}. */
export interface RetryOptions {
  /**
   * The most attempts in all, the first included.
   * @default Infinity when `until` is given, else 3
   */
  attempts?: number;
  /** No attempt follows a failure at or after this time (ms since the epoch, as `Date.now()`). */
  until?: number;
  /**
   * The wait after a failed attempt, in ms: a number, or a function of the
   * number of the attempt that failed (1 for the first).
   * @default 0
   */
  backoff?: number | ((attempt: number) => number);
  /**
   * Whether an error is worth another attempt; any other is thrown at once.
   * @default every error is
   */
  retryIf?: (error: unknown) => boolean;
  /** Stops retrying: checked before each attempt and during each wait. */
  signal?: AbortSignal;
}

/**
 * Calls `fn` until it resolves, waiting `backoff` after each failure, while
 * attempts and time are left and the error passes `retryIf`. Unlike a
 * wrapper error, the last error is thrown as it is, so callers keep
 * branching on its type.
 *
 * @param fn The attempt; receives its number (1 for the first).
 * @param options `attempts`, `until`, `backoff`, `retryIf`, `signal`.
 * @returns What the first successful attempt returned.
 * @throws The last attempt's error, once no attempt is left or it fails `retryIf`.
 * @throws The signal's `reason` when it aborts between attempts.
 *
 * @example
 * ```ts
 * import { retry } from "./retry.ts";
 * let calls = 0;
 * const value = await retry(async () => {
 *   if (++calls < 3) throw new Error("not yet");
 *   return calls;
 * }, { attempts: 5, backoff: (n) => 10 * n });
 * // value === 3
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { until, signal, retryIf } = options;
  const attempts = options.attempts ?? (until === undefined ? 3 : Infinity);
  const backoff = options.backoff ?? 0;
  for (let attempt = 1;; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      const spent = attempt >= attempts || (until !== undefined && Date.now() >= until);
      if (spent || (retryIf && !retryIf(err))) throw err;
      await delay(typeof backoff === "number" ? backoff : backoff(attempt), signal);
    }
  }
}
