/**
 * One cell running on a kernel: its output forwarding, progress reports,
 * wall-clock timer, abort listener and culling watchdog, all released by
 * {@link CellRun.dispose}.
 *
 * @module
 */

import type { KernelConnection } from "../kernel/connection.ts";
import { KernelNotFoundError } from "../kernel/errors.ts";
import type { ExecutionFuture } from "../kernel/future.ts";
import type { JupyterRestClient } from "../kernel/rest.ts";
import type { ExecuteRequest } from "./executor.ts";
import { LastLine, toOutputEvent } from "./jupyter_outputs.ts";

const WATCHDOG_MS = 2000;

/** A cell sent to a kernel, with the timers that watch it. */
export class CellRun {
  /** The request's future (done = reply AND idle). */
  readonly future: ExecutionFuture;
  /** Resolves when the wall-clock limit passes or the request is aborted. */
  readonly stopped: Promise<"timeout" | "cancelled">;
  /** Set once the kernel is being interrupted: its KeyboardInterrupt traceback is not forwarded. */
  interrupted = false;
  readonly #timers: ReturnType<typeof setTimeout>[] = [];
  readonly #intervals: ReturnType<typeof setInterval>[] = [];
  readonly #request: ExecuteRequest;
  #onAbort = () => {};

  /**
   * Sends the cell and starts its timers.
   *
   * @param conn The kernel connection.
   * @param rest REST client, for the watchdog.
   * @param request The cell and its callbacks.
   * @param timeoutSeconds Wall-clock limit.
   */
  constructor(
    conn: KernelConnection,
    rest: JupyterRestClient,
    request: ExecuteRequest,
    timeoutSeconds: number,
  ) {
    this.#request = request;
    const last = new LastLine();
    this.future = conn.execute(request.code, (msg) => {
      const event = toOutputEvent(msg);
      if (!event) return;
      // The end (timeout/cancelled) already says it was interrupted.
      if (this.interrupted && event.type === "error" && event.ename === "KeyboardInterrupt") return;
      last.see(event);
      request.onOutput(event);
    });
    const started = Date.now();
    if (request.onProgress) {
      this.#intervals.push(setInterval(() => {
        request.onProgress?.({ elapsedMs: Date.now() - started, lastLine: last.value });
      }, 1000));
    }
    // Jupyter 1.x does not close the WebSocket when a kernel is culled or deleted: watch it.
    const future = this.future;
    this.#intervals.push(setInterval(() => {
      rest.getKernel(conn.kernelId).catch((err) => {
        if (err instanceof KernelNotFoundError) future.fail(err);
      });
    }, Math.min(WATCHDOG_MS, timeoutSeconds * 250)));
    this.stopped = new Promise((resolve) => {
      this.#timers.push(setTimeout(() => resolve("timeout"), timeoutSeconds * 1000));
      this.#onAbort = () => resolve("cancelled");
      request.signal?.addEventListener("abort", this.#onAbort, { once: true });
    });
  }

  /** Stops every timer and listener. */
  dispose(): void {
    this.#timers.forEach(clearTimeout);
    this.#intervals.forEach(clearInterval);
    this.#request.signal?.removeEventListener("abort", this.#onAbort);
  }
}
