/**
 * One managed kernel: started lazily, executions queued (FIFO, never
 * interleaved), timeouts and cancellation by interrupt (restart only if the
 * kernel won't go idle), and recovery when the kernel or the server goes away.
 *
 * @module
 */

import {
  JupyterUnreachableError,
  KernelChannelClosedError,
  KernelDeadError,
  KernelNotFoundError,
} from "../kernel/errors.ts";
import { KernelConnection, type KernelLoss } from "../kernel/connection.ts";
import type { ExecutionFuture } from "../kernel/future.ts";
import type { ExecuteRequest, ExecutionEnd, ExecutionResult } from "./executor.ts";
import { CellRun } from "./jupyter_cell.ts";
import type { ManagedKernelOptions } from "./jupyter_kernel_options.ts";

export type { KernelEvents, ManagedKernelOptions } from "./jupyter_kernel_options.ts";

const LOST_NOTE = "a new kernel was started; earlier variables are gone";
const RESET_TEXT =
  "The Python kernel was restarted: all variables and imports are gone; files in the workspace are untouched.";

/** One kernel on the Jupyter Server and the queue of executions that use it. */
export class ManagedKernel {
  readonly #o: ManagedKernelOptions;
  readonly #created = new Set<string>();
  #kernelId?: string;
  #conn?: KernelConnection;
  /** A note for the next call: state was lost between calls. */
  #note?: string;
  #lossReported = false;
  #needsPrepare = true;
  #needsInfo = false;
  #inFlight = false;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #closed = false;
  /** The framing the server picked last time; a server that picks no subprotocol is asked for legacy at once. */
  #framing: "v1" | "legacy" | "none" = "none";
  /** When the last execution finished (ms since epoch). */
  lastUsed = Date.now();

  /** @param options Server, kernel spec, tunables. */
  constructor(options: ManagedKernelOptions) {
    this.#o = options;
  }

  /** True while an execution runs or waits in the queue. */
  get busy(): boolean {
    return this.#queued > 0;
  }

  /** The current kernel's id, if one was started. */
  get kernelId(): string | undefined {
    return this.#kernelId;
  }

  /**
   * Queues one execution.
   *
   * @param request The cell and its callbacks.
   * @throws {JupyterUnreachableError} When no kernel could be started in time.
   */
  execute(request: ExecuteRequest): Promise<ExecutionResult> {
    return this.#enqueue(() => this.#execute(request));
  }

  /**
   * Restarts the kernel (after queued executions); files are untouched.
   *
   * @returns A sentence for the user.
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   */
  reset(): Promise<string> {
    return this.#enqueue(async () => {
      const id = this.#kernelId;
      if (!id || !this.#conn || this.#conn.lost) {
        this.#drop(false);
        return RESET_TEXT;
      }
      try {
        await this.#restart(this.#conn, "reset");
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        this.#drop(false);
      }
      this.#note = undefined;
      return RESET_TEXT;
    });
  }

  /** Closes the socket and deletes every kernel this object created. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#conn?.close();
    this.#conn = undefined;
    for (const id of this.#created) {
      try {
        await this.#o.rest.deleteKernel(id);
        this.#o.events?.stopped();
      } catch (err) {
        this.#o.logger.warn("could not delete kernel", { kernelId: id, error: err });
      }
    }
    this.#created.clear();
  }

  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.#queued++;
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => {});
    return run.finally(() => {
      this.#queued--;
      this.lastUsed = Date.now();
    });
  }

  async #execute(request: ExecuteRequest): Promise<ExecutionResult> {
    const notes: string[] = [];
    if (request.signal?.aborted) return { end: { kind: "cancelled", stateKept: true }, notes };
    for (let attempt = 0;; attempt++) {
      const conn = await this.#ensure();
      if (this.#note) notes.push(this.#note);
      this.#note = undefined;
      this.#lossReported = false;
      const end = await this.#run(conn, request, attempt === 0);
      if (end !== "retry") return { end, notes };
      // The kernel vanished before it began running the code: run it on a new kernel.
      notes.push(`Note: the previous kernel was shut down by the Jupyter Server; ${LOST_NOTE}.`);
    }
  }

  /** Runs the cell once; "retry" when the kernel was gone before the code started. */
  async #run(
    conn: KernelConnection,
    request: ExecuteRequest,
    mayRetry: boolean,
  ): Promise<ExecutionEnd | "retry"> {
    const { rest, timeoutSeconds } = this.#o;
    const cell = new CellRun(conn, rest, request, timeoutSeconds);
    const future = cell.future;
    this.#inFlight = true;
    try {
      const outcome = await Promise.race([future.done, cell.stopped]);
      if (typeof outcome !== "string") return { kind: outcome.status === "ok" ? "ok" : "error" };
      cell.interrupted = true;
      if (mayRetry && !future.started && await this.#isGone(conn)) {
        this.#drop(false);
        return "retry";
      }
      const stopped = await this.#interrupt(conn, future);
      if ("lost" in stopped) return stopped.lost;
      return outcome === "timeout"
        ? { kind: "timeout", seconds: timeoutSeconds, stateKept: stopped.stateKept }
        : { kind: "cancelled", stateKept: stopped.stateKept };
    } catch (err) {
      if (mayRetry && err instanceof KernelNotFoundError && !future.started) {
        this.#drop(false);
        return "retry";
      }
      return this.#lostEnd(err);
    } finally {
      this.#inFlight = false;
      cell.dispose();
    }
  }

  /** True when the kernel no longer exists on the server. */
  async #isGone(conn: KernelConnection): Promise<boolean> {
    try {
      await this.#o.rest.getKernel(conn.kernelId);
      return false;
    } catch (err) {
      return err instanceof KernelNotFoundError;
    }
  }

  /** Interrupts, waits for idle; restarts the kernel if it won't go idle. */
  async #interrupt(
    conn: KernelConnection,
    future: ExecutionFuture,
  ): Promise<{ stateKept: boolean } | { lost: ExecutionEnd }> {
    const { rest, logger, interruptGraceMs } = this.#o;
    try {
      await rest.interruptKernel(conn.kernelId);
    } catch (err) {
      if (err instanceof KernelNotFoundError || err instanceof JupyterUnreachableError) {
        future.fail(err);
        return { lost: this.#lostEnd(err) };
      }
      logger.warn("interrupt failed", { kernelId: conn.kernelId, error: err });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = await Promise.race([
      future.done.then(() => true, (err: Error) => err),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), interruptGraceMs)),
    ]);
    clearTimeout(timer);
    if (idle === true) return { stateKept: true };
    if (idle instanceof Error) return { lost: this.#lostEnd(idle) };
    logger.warn("kernel did not go idle after interrupt; restarting it", {
      kernelId: conn.kernelId,
    });
    try {
      await this.#restart(conn, "timeout");
    } catch (err) {
      this.#drop(true);
      logger.warn("restart after interrupt failed; a new kernel will be started", { error: err });
    }
    future.fail(new KernelDeadError(conn.kernelId, "the kernel was restarted"));
    return { stateKept: false };
  }

  async #restart(conn: KernelConnection, reason: "reset" | "timeout"): Promise<void> {
    conn.restartingByUs = true;
    try {
      await this.#o.rest.restartKernel(conn.kernelId);
    } finally {
      conn.restartingByUs = false;
    }
    this.#o.events?.restarted(reason);
    conn.failPending(new KernelDeadError(conn.kernelId, "the kernel was restarted"));
    this.#needsPrepare = true;
    this.#needsInfo = true;
  }

  /** Maps a loss error to the end of the call that died; remembers it was reported. */
  #lostEnd(err: unknown): ExecutionEnd {
    if (err instanceof KernelDeadError) {
      this.#note = undefined;
      this.#lossReported = true;
      return { kind: "lost", reason: err.reason };
    }
    if (err instanceof KernelNotFoundError) {
      this.#note = undefined;
      this.#lossReported = true;
      this.#drop(false);
      return {
        kind: "lost",
        reason:
          "the kernel was shut down by the Jupyter Server (culled, deleted, or the server restarted)",
      };
    }
    if (err instanceof JupyterUnreachableError || err instanceof KernelChannelClosedError) {
      return {
        kind: "lost",
        reason: `the connection to the Jupyter Server at "${this.#o.rest.url}" was lost`,
      };
    }
    throw err;
  }

  /** Forgets the current kernel (it is gone, or will be replaced). */
  #drop(deleteIt: boolean): void {
    const id = this.#kernelId;
    this.#conn?.close();
    this.#conn = undefined;
    this.#kernelId = undefined;
    if (deleteIt && id) {
      this.#o.rest.deleteKernel(id).catch(() => {});
      if (this.#created.delete(id)) this.#o.events?.stopped();
    }
  }

  #onLost(loss: KernelLoss): void {
    if (loss.kind === "restarted") {
      this.#needsPrepare = true;
      this.#needsInfo = true;
    }
    if (loss.kind === "restarted" || loss.kind === "dead") this.#o.events?.restarted("died");
    if (this.#inFlight) return; // The running call reports it as its end.
    if (loss.kind === "restarted" || loss.kind === "dead" || loss.kind === "gone") {
      const why = loss.kind === "gone"
        ? "the previous kernel was shut down by the Jupyter Server (culled or deleted)"
        : "the previous kernel died";
      this.#note = `Note: ${why}; ${LOST_NOTE}.`;
    }
  }

  /** Returns a connection to a live kernel, starting or reconnecting as needed. */
  async #ensure(): Promise<KernelConnection> {
    const { rest, logger } = this.#o;
    if (this.#closed) throw new Error("the Jupyter executor is closed");
    if (this.#conn && !this.#conn.lost && Date.now() - this.lastUsed > this.#o.staleCheckMs) {
      try {
        await rest.getKernel(this.#conn.kernelId);
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        this.#note = `Note: the previous kernel was shut down by the Jupyter Server; ${LOST_NOTE}.`;
        this.#drop(false);
      }
    }
    if (this.#conn?.lost?.kind === "dead") this.#drop(true);
    if (!this.#conn || this.#conn.lost) {
      this.#conn = undefined;
      const deadline = Date.now() + this.#o.startTimeoutMs;
      for (;;) {
        try {
          await this.#connect();
          break;
        } catch (err) {
          if (!(err instanceof JupyterUnreachableError) || Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
    const conn = this.#conn as KernelConnection;
    if (this.#needsInfo) {
      // After a restart (ours or Jupyter's), the server's sockets reconnect to the new
      // process in the background; a request sent before that can be lost. Wait
      // until the kernel answers on our channel.
      logger.debug("waiting for the restarted kernel", { kernelId: conn.kernelId });
      if (!(await conn.waitUntilAnswering(30_000))) {
        logger.warn("restarted kernel does not answer; starting a new one", {
          kernelId: conn.kernelId,
        });
        this.#drop(true);
        return await this.#ensure();
      }
      this.#needsInfo = false;
    }
    if (this.#needsPrepare) await this.#prepare(conn);
    logger.debug("kernel ready", { kernelId: conn.kernelId });
    return conn;
  }

  /** Reconnects to the current kernel if it still exists, else starts a new one. */
  async #connect(): Promise<void> {
    const { rest, logger } = this.#o;
    const options = {
      rest,
      logger,
      pongAfterFrame: this.#o.pongAfterFrame,
      offerV1: this.#framing !== "legacy",
      onLost: (loss: KernelLoss) => this.#onLost(loss),
    };
    if (this.#kernelId) {
      try {
        this.#conn = await KernelConnection.open({ ...options, kernelId: this.#kernelId });
        this.#framing = this.#conn.protocol;
        return;
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        if (!this.#lossReported && !this.#note) {
          this.#note = `Note: the previous kernel is gone; ${LOST_NOTE}.`;
        }
        if (this.#created.delete(this.#kernelId)) this.#o.events?.stopped();
        this.#kernelId = undefined;
      }
    }
    const model = await rest.createKernel(this.#o.kernelName, this.#o.kernelPath);
    this.#created.add(model.id);
    this.#o.events?.started();
    this.#kernelId = model.id;
    this.#needsPrepare = true;
    this.#needsInfo = false;
    logger.info("kernel started", { kernelId: model.id, kernelName: this.#o.kernelName });
    this.#conn = await KernelConnection.open({ ...options, kernelId: model.id });
    this.#framing = this.#conn.protocol;
  }

  /** Runs silent start-up code: `chdir` to the workspace when that path exists for the kernel. */
  async #prepare(conn: KernelConnection): Promise<void> {
    this.#needsPrepare = false;
    const path = this.#o.workspacePath;
    if (!path) return;
    const p = JSON.stringify(path);
    const code = `import os as _sk_os\nif _sk_os.path.isdir(${p}): _sk_os.chdir(${p})\ndel _sk_os`;
    try {
      await conn.execute(code, () => {}, true).done;
    } catch (err) {
      this.#o.logger.warn("kernel start-up code failed", { kernelId: conn.kernelId, error: err });
    }
  }
}
