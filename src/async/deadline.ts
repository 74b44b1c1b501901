/**
 * Waiting for a promise at most so long, or until an abort signal: the one
 * place where a timer races a promise, so no caller keeps a timer or a
 * listener alive after it has its answer.
 *
 * @module
 */

/** The longest delay `setTimeout` keeps (about 24.8 days); longer ones never fire here. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link deadline}. */
export interface DeadlineOptions<U, V> {
  /**
   * Called when `ms` passes before the promise settles; its result is the answer.
   * Without it the answer is a rejection with a `TimeoutError` `DOMException`.
   */
  onTimeout?: () => U;
  /** Stops the wait when it aborts, also when it already has. */
  signal?: AbortSignal;
  /**
   * Called when `signal` aborts before the promise settles; its result is the answer.
   * Without it the answer is a rejection with the signal's `reason`.
   */
  onAbort?: () => V;
}

/**
 * Settles like `promise`, unless `ms` passes first (then `onTimeout` answers)
 * or `signal` aborts first (then `onAbort` answers). The promise itself is
 * not cancelled: it runs on, and its later result is ignored. The timer and
 * the abort listener are removed as soon as there is an answer.
 *
 * @param promise What to wait for.
 * @param ms The most to wait, in milliseconds; `Infinity` (or past ~24.8 days) waits forever.
 * @param options `onTimeout`, `signal`, `onAbort`.
 * @returns The promise's value, or what `onTimeout`/`onAbort` returned.
 * @throws {DOMException} `TimeoutError` when `ms` passes and no `onTimeout` is given.
 * @throws The signal's `reason` when it aborts and no `onAbort` is given.
 * @throws What `promise` rejects with, when it rejects first.
 *
 * @example
 * ```ts
 * import { deadline } from "./deadline.ts";
 * import { delay } from "./delay.ts";
 * const answer = await deadline(delay(1000).then(() => "done"), 10, {
 *   onTimeout: () => "too slow" as const,
 * });
 * // answer === "too slow"
 * ```
 */
export function deadline<T, U = never, V = never>(
  promise: Promise<T>,
  ms: number,
  options: DeadlineOptions<U, V> = {},
): Promise<T | U | V> {
  const { onTimeout, signal, onAbort } = options;
  return new Promise<T | U | V>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
    };
    const answer = (fn: () => T | U | V) => {
      finish();
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    };
    function aborted() {
      answer(() => {
        if (onAbort) return onAbort();
        throw signal?.reason;
      });
    }
    if (signal?.aborted) {
      aborted();
      return;
    }
    signal?.addEventListener("abort", aborted, { once: true });
    if (ms <= MAX_TIMER_MS) {
      timer = setTimeout(() =>
        answer(() => {
          if (onTimeout) return onTimeout();
          throw new DOMException(`no answer within ${ms} ms`, "TimeoutError");
        }), Math.max(0, ms));
    }
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (err) => {
        finish();
        reject(err);
      },
    );
  });
}
