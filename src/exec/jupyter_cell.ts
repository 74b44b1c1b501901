/**
 * One cell running on a kernel: its output forwarding, progress reports and
 * culling watchdog, all released by {@link CellRun.dispose}. Its wall-clock
 * limit and cancellation are the caller's `deadline()` (`jupyter_kernel.ts`).
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

/** A cell sent to a kernel, with the intervals that watch it. */
export class CellRun {
  /** The request's future (done = reply AND idle). */
  readonly future: ExecutionFuture;
  /** Set once the kernel is being interrupted: its KeyboardInterrupt traceback is not forwarded. */
  interrupted = false;
  readonly #intervals: ReturnType<typeof setInterval>[] = [];

  /**
   * Sends the cell and starts its intervals.
   *
   * @param conn The kernel connection.
   * @param rest REST client, for the watchdog.
   * @param request The cell and its callbacks.
   * @param timeoutSeconds Wall-clock limit (a short one makes the watchdog look more often).
   */
  constructor(
    conn: KernelConnection,
    rest: JupyterRestClient,
    request: ExecuteRequest,
    timeoutSeconds: number,
  ) {
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
  }

  /** Stops every interval. */
  dispose(): void {
    this.#intervals.forEach(clearInterval);
  }
}
