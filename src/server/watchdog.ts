/**
 * The main isolate's watch over the serving worker (docs/RELIABILITY.md,
 * "Liveness"). The worker posts a heartbeat every second. Serving, a missing
 * heartbeat is logged (the worker's event loop is stuck: `/healthz` cannot
 * answer, and the kubelet restarts the container). Stopping, the worker is
 * given `--shutdown-grace` plus a margin to finish; it is terminated sooner
 * when its heartbeat stops (a stuck loop cannot finish anything), so SIGTERM
 * always ends the process in bounded time.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";

/** The worker's heartbeat interval. */
export const BEAT_MS = 1000;

/** Options of {@link WorkerWatch}. */
export interface WorkerWatchOptions {
  /** `--shutdown-grace` in ms. */
  graceMs: number;
  /** Time past the grace for answers, sessions and kernels to close. @default 10000 */
  marginMs?: number;
  /** Heartbeat silence that counts as a stuck worker. @default 3000 */
  stuckMs?: number;
  logger: Logger;
}

/** Watches the heartbeat of one worker. */
export class WorkerWatch {
  readonly #options: Required<WorkerWatchOptions>;
  #last = performance.now();
  #warned = false;
  #timer?: ReturnType<typeof setInterval>;
  #stopTimer?: ReturnType<typeof setInterval>;

  constructor(options: WorkerWatchOptions) {
    this.#options = { marginMs: 10_000, stuckMs: 3000, ...options };
    this.#timer = setInterval(() => this.#check(), BEAT_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** Milliseconds since the last heartbeat. */
  get silentMs(): number {
    return performance.now() - this.#last;
  }

  /** Records a heartbeat. */
  beat(): void {
    if (this.#warned) {
      this.#options.logger.info("serving worker answers again", {
        silent_s: Math.round(this.silentMs / 100) / 10,
      });
    }
    this.#warned = false;
    this.#last = performance.now();
  }

  /**
   * Starts the stop clock.
   *
   * @returns resolves with the reason to terminate the worker, if it has not
   *   stopped by itself first (the caller stops waiting then)
   */
  stopping(): Promise<string> {
    const started = performance.now();
    const { graceMs, marginMs, stuckMs } = this.#options;
    return new Promise((resolve) => {
      this.#stopTimer = setInterval(() => {
        const silent = this.silentMs;
        if (silent > stuckMs) {
          resolve(
            `the serving worker has not answered for ${(silent / 1000).toFixed(1)} s ` +
              `(its event loop is stuck); terminating it`,
          );
        } else if (performance.now() - started > graceMs + marginMs) {
          resolve(
            `the serving worker did not stop within --shutdown-grace + ${marginMs / 1000} s ` +
              `(${(graceMs + marginMs) / 1000} s); terminating it`,
          );
        }
      }, 250);
    });
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.#timer);
    clearInterval(this.#stopTimer);
  }

  #check(): void {
    const silent = this.silentMs;
    if (this.#warned || silent < 5000) return;
    this.#warned = true;
    this.#options.logger.error("serving worker is stuck: no heartbeat", {
      silent_s: Math.round(silent / 100) / 10,
    });
  }
}
