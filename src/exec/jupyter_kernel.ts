/**
 * One managed kernel: started lazily, executions queued (FIFO, never
 * interleaved), timeouts and cancellation by interrupt (restart only if the
 * kernel won't go idle), and recovery when the kernel or the server goes away.
 *
 * The kernel's life is one value (`KernelLife` in `jupyter_kernel_life.ts`),
 * changed only by its `KernelLifeCycle`; what the next call must be told is
 * another, {@link News}. The connection owns what belongs to the socket: reopening
 * it, and knowing that a restart is ours (`KernelConnection.restart`).
 *
 * @module
 */

import { deadline } from "../async/deadline.ts";
import { retry } from "../async/retry.ts";
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
import { KernelLifeCycle, lostNote, type News, type Open } from "./jupyter_kernel_life.ts";
import type { ManagedKernelOptions } from "./jupyter_kernel_options.ts";

export type { KernelEvents, ManagedKernelOptions } from "./jupyter_kernel_options.ts";

const RESET_TEXT =
  "The Python kernel was restarted: all variables and imports are gone; files in the workspace are untouched.";
const NOTHING: News = { kind: "none" };

/** One kernel on the Jupyter Server and the queue of executions that use it. */
export class ManagedKernel {
  readonly #o: ManagedKernelOptions;
  readonly #life: KernelLifeCycle;
  #news: News = NOTHING;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  /**
   * The framing the server picked last: a fact about the server, kept across
   * kernels; a server that picks no subprotocol is asked for legacy at once.
   */
  #serverFraming: "v1" | "legacy" | "none" = "none";
  /** When the last execution finished (ms since epoch). */
  lastUsed = Date.now();

  /** @param options Server, kernel spec, tunables. */
  constructor(options: ManagedKernelOptions) {
    this.#o = options;
    this.#life = new KernelLifeCycle(options.rest, options.events);
  }

  /** True while an execution runs or waits in the queue. */
  get busy(): boolean {
    return this.#queued > 0;
  }

  /** The current kernel's id, if one was started. */
  get kernelId(): string | undefined {
    return this.#life.kernelId;
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
      const life = this.#life.now;
      if (life.phase !== "open") {
        this.#life.forget("keep");
        return RESET_TEXT;
      }
      try {
        await this.#restart(life.conn, "reset");
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        this.#life.forget("gone");
      }
      if (this.#news.kind === "note") this.#news = NOTHING;
      return RESET_TEXT;
    });
  }

  /** Closes the socket and deletes every kernel this object created. */
  async shutdown(): Promise<void> {
    await this.#life.close(this.#o.logger);
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
    const cancelled = (): ExecutionResult => ({
      end: { kind: "cancelled", stateKept: true },
      notes,
    });
    if (request.signal?.aborted) return cancelled();
    for (let attempt = 0;; attempt++) {
      const conn = await this.#ensure();
      if (this.#news.kind === "note") notes.push(this.#news.text);
      this.#news = NOTHING;
      // Cancelled while a kernel was started: the code never ran.
      if (request.signal?.aborted) return cancelled();
      const end = await this.#run(conn, request, attempt === 0);
      if (end !== "retry") return { end, notes };
      // The kernel vanished before it began running the code: run it on a new kernel.
      notes.push(lostNote("the previous kernel was shut down by the Jupyter Server").text);
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
    this.#life.update(conn, { running: true });
    try {
      const outcome = await deadline(future.done, timeoutSeconds * 1000, {
        onTimeout: () => "timeout" as const,
        signal: request.signal,
        onAbort: () => "cancelled" as const,
      });
      if (typeof outcome !== "string") return { kind: outcome.status === "ok" ? "ok" : "error" };
      cell.interrupted = true;
      if (mayRetry && !future.started && await this.#isGone(conn)) {
        this.#life.forget("gone");
        return "retry";
      }
      const stopped = await this.#interrupt(conn, future);
      if ("lost" in stopped) return stopped.lost;
      return outcome === "timeout"
        ? { kind: "timeout", seconds: timeoutSeconds, stateKept: stopped.stateKept }
        : { kind: "cancelled", stateKept: stopped.stateKept };
    } catch (err) {
      if (mayRetry && err instanceof KernelNotFoundError && !future.started) {
        this.#life.forget("gone");
        return "retry";
      }
      return this.#lostEnd(err);
    } finally {
      this.#life.update(conn, { running: false });
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
    const idle = await deadline(
      future.done.then(() => true, (err: Error) => err),
      interruptGraceMs,
      {
        onTimeout: () => false,
      },
    );
    if (idle === true) return { stateKept: true };
    if (idle instanceof Error) return { lost: this.#lostEnd(idle) };
    logger.warn("kernel did not go idle after interrupt; restarting it", {
      kernelId: conn.kernelId,
    });
    try {
      await this.#restart(conn, "timeout");
    } catch (err) {
      if (this.#life.openOf(conn)) this.#life.forget("delete");
      logger.warn("restart after interrupt failed; a new kernel will be started", { error: err });
    }
    future.fail(new KernelDeadError(conn.kernelId, "the kernel was restarted"));
    return { stateKept: false };
  }

  async #restart(conn: KernelConnection, reason: "reset" | "timeout"): Promise<void> {
    await conn.restart();
    this.#o.events?.restarted(reason);
    this.#life.update(conn, { setup: "restarted" });
  }

  /** Maps a loss error to the end of the call that died; remembers it was told. */
  #lostEnd(err: unknown): ExecutionEnd {
    if (err instanceof KernelDeadError) {
      this.#news = { kind: "told" };
      return { kind: "lost", reason: err.reason };
    }
    if (err instanceof KernelNotFoundError) {
      this.#news = { kind: "told" };
      this.#life.forget("gone");
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

  /** The connection reports a loss: the life moves on at once; a note unless a cell runs. */
  #onLost(loss: KernelLoss, conn: KernelConnection): void {
    if (loss.kind === "restarted" || loss.kind === "dead") this.#o.events?.restarted("died");
    const was = this.#life.lost(loss, conn);
    if (!was || was.running || loss.kind === "unreachable" || loss.kind === "closed") return;
    this.#news = lostNote(
      loss.kind === "gone"
        ? "the previous kernel was shut down by the Jupyter Server (culled or deleted)"
        : "the previous kernel died",
    );
  }

  /** Returns a connection to a live kernel, starting or reconnecting as needed. */
  async #ensure(): Promise<KernelConnection> {
    const { rest, logger } = this.#o;
    let life = this.#life.now;
    if (life.phase === "closed") throw new Error("the Jupyter executor is closed");
    if (life.phase === "open" && Date.now() - this.lastUsed > this.#o.staleCheckMs) {
      try {
        await rest.getKernel(life.id);
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        this.#news = lostNote("the previous kernel was shut down by the Jupyter Server");
        this.#life.forget("gone");
      }
    }
    life = this.#life.now;
    if (life.phase !== "open") {
      life = await retry(() => this.#connect(), {
        until: Date.now() + this.#o.startTimeoutMs,
        backoff: 500,
        retryIf: (err) => err instanceof JupyterUnreachableError,
      });
    }
    const conn = life.conn;
    if (life.setup === "restarted") {
      // After a restart (ours or Jupyter's), the server's sockets reconnect to the new
      // process in the background; a request sent before that can be lost. Wait
      // until the kernel answers on our channel.
      logger.debug("waiting for the restarted kernel", { kernelId: conn.kernelId });
      if (!(await conn.waitUntilAnswering(30_000))) {
        logger.warn("restarted kernel does not answer; starting a new one", {
          kernelId: conn.kernelId,
        });
        if (this.#life.openOf(conn)) this.#life.forget("delete");
        return await this.#ensure();
      }
      this.#life.update(conn, { setup: "prepare" });
    }
    if (this.#life.openOf(conn)?.setup === "prepare") {
      this.#life.update(conn, { setup: "done" });
      await this.#prepare(conn);
    }
    logger.debug("kernel ready", { kernelId: conn.kernelId });
    return conn;
  }

  /** Reopens the detached kernel if it still exists, else starts a new one. */
  async #connect(): Promise<Open> {
    const { rest, logger } = this.#o;
    const open = async (id: string) => {
      const conn = await KernelConnection.open({
        rest,
        logger,
        kernelId: id,
        pongAfterFrame: this.#o.pongAfterFrame,
        offerV1: this.#serverFraming !== "legacy",
        onLost: (loss, lostConn) => this.#onLost(loss, lostConn),
      });
      this.#serverFraming = conn.protocol;
      return conn;
    };
    const life = this.#life.now;
    if (life.phase === "detached") {
      try {
        const conn = await open(life.id);
        return this.#life.enter({
          phase: "open",
          id: life.id,
          conn,
          setup: life.setup,
          running: false,
        });
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
        if (this.#news.kind === "none") this.#news = lostNote("the previous kernel is gone");
        this.#life.forget("gone");
      }
    }
    const model = await rest.createKernel(this.#o.kernelName, this.#o.kernelPath);
    this.#life.created(model.id);
    logger.info("kernel started", { kernelId: model.id, kernelName: this.#o.kernelName });
    // Detached until its socket opens: a failed open reopens this kernel next time.
    this.#life.enter({ phase: "detached", id: model.id, setup: "prepare" });
    const conn = await open(model.id);
    return this.#life.enter({
      phase: "open",
      id: model.id,
      conn,
      setup: "prepare",
      running: false,
    });
  }

  /** Runs silent start-up code: `chdir` to the workspace when that path exists for the kernel. */
  async #prepare(conn: KernelConnection): Promise<void> {
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
