/**
 * One stateful local interpreter: started on first use, cells queued (FIFO,
 * never interleaved), timeouts and cancellation by SIGINT (KeyboardInterrupt,
 * state kept), killed and restarted only when the code will not stop within
 * the grace, and survived when the process dies (os._exit, a crash, memory).
 *
 * @module
 */
import { deadline } from "../async/deadline.ts";
import type { ExecuteRequest, ExecutionEnd, ExecutionResult } from "./executor.ts";
import { memoryLimitNote } from "./containment.ts";
import type { OutputEvent } from "./executor.ts";
import { type CellEnd, DriverProcess, type DriverSpawnOptions } from "./local_process.ts";

/** Options of {@link LocalInterpreter}. */
export interface LocalInterpreterOptions extends DriverSpawnOptions {
  timeoutSeconds: number;
  /** How long interrupted code may take to stop before the process is killed. */
  interruptGraceMs: number;
  /** How long a new interpreter may take to say it is ready. */
  startTimeoutMs: number;
  /** Told about interpreter life events (metrics). */
  events?: InterpreterEvents;
}

/** Interpreter life events, for the kernel metrics (`sidekernel_kernels_alive`, restarts). */
export interface InterpreterEvents {
  started(): void;
  stopped(): void;
  restarted(reason: "reset" | "timeout" | "died"): void;
}

const RESET_TEXT = "The Python interpreter was restarted: all variables and imports are gone; " +
  "files in the workspace are untouched.";

/** A long-lived Python process and the queue of cells that use it. */
export class LocalInterpreter {
  readonly #o: LocalInterpreterOptions;
  #proc?: DriverProcess;
  #starting?: Promise<DriverProcess>;
  /** Told on the next call: the process ended between calls. */
  #note?: string;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #inCell = false;
  #closed = false;
  /** When the last execution finished (ms since epoch). */
  lastUsed: number = Date.now();

  /** @param options interpreter, cwd, environment, timeouts */
  constructor(options: LocalInterpreterOptions) {
    this.#o = options;
  }

  /** True while a cell runs or waits in the queue. */
  get busy(): boolean {
    return this.#queued > 0;
  }

  /** OS pid of the running driver's supervisor, if one runs. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Runs one cell after the ones queued before it. */
  execute(request: ExecuteRequest): Promise<ExecutionResult> {
    this.#queued++;
    const run = this.#queue.then(() => this.#execute(request));
    this.#queue = run.catch(() => {});
    return run.finally(() => {
      this.#queued--;
      this.lastUsed = Date.now();
    });
  }

  /** Kills the process (a running cell ends with state lost); the next call starts a new one. */
  async reset(): Promise<string> {
    const proc = this.#proc;
    if (!proc) return "The Python interpreter had no state yet; nothing to reset.";
    this.#drop(proc);
    await proc.kill("python_reset restarted the interpreter");
    this.#o.events?.restarted("reset");
    return RESET_TEXT;
  }

  /** Stops the process for good. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const proc = this.#proc ?? await this.#starting?.catch(() => undefined);
    if (proc) {
      this.#drop(proc);
      await proc.kill("sidekernel shut down");
    }
  }

  async #execute(request: ExecuteRequest): Promise<ExecutionResult> {
    const notes: string[] = [];
    const cancelled = (): ExecutionResult => ({
      end: { kind: "cancelled", stateKept: true },
      notes,
    });
    if (request.signal?.aborted) return cancelled();
    if (this.#closed) throw new Error("the local interpreter was shut down");
    const proc = await this.#process();
    if (this.#note) {
      notes.push(this.#note);
      this.#note = undefined;
    }
    // Cancelled while the interpreter started: the code never ran.
    if (request.signal?.aborted) return cancelled();
    this.#inCell = true;
    const sink = (event: OutputEvent) => {
      if (event.type === "error" && event.ename === "MemoryError") {
        notes.push(memoryLimitNote(this.#o.memoryLimitMiB));
      }
      request.onOutput(event);
    };
    const ended = proc.run(request.code, sink);
    void ended.finally(() => this.#inCell = false);
    const stop = await deadline(ended, this.#o.timeoutSeconds * 1000, {
      onTimeout: () => "timeout" as const,
      signal: request.signal,
      onAbort: () => "cancelled" as const,
    });
    if (typeof stop !== "string") return { end: this.#endOf(stop, proc), notes };
    const stateKept = await this.#interrupt(proc, ended);
    const end: ExecutionEnd = stop === "timeout"
      ? { kind: "timeout", seconds: this.#o.timeoutSeconds, stateKept }
      : { kind: "cancelled", stateKept };
    return { end, notes };
  }

  /** SIGINT, then the grace; kills the process when the code does not stop. */
  async #interrupt(proc: DriverProcess, ended: Promise<CellEnd>): Promise<boolean> {
    proc.interrupt();
    const after = await deadline(ended, this.#o.interruptGraceMs, {
      onTimeout: () => "grace" as const,
    });
    if (after !== "grace" && after.kind === "done") return true;
    if (after === "grace") {
      this.#o.logger.warn("local interpreter did not stop after SIGINT; killing it", {
        pid: proc.pid,
        grace_ms: this.#o.interruptGraceMs,
      });
      this.#drop(proc);
      await proc.kill("the code did not stop after an interrupt");
    } else this.#drop(proc);
    this.#o.events?.restarted("timeout");
    return false;
  }

  #endOf(end: CellEnd, proc: DriverProcess): ExecutionEnd {
    if (end.kind === "done") return { kind: end.status };
    if (this.#proc === proc) {
      this.#drop(proc);
      this.#o.events?.restarted("died");
    }
    this.#o.logger.warn("local interpreter died during a call", { reason: end.reason });
    return { kind: "lost", reason: end.reason };
  }

  /** Forgets a process (it is being killed or is gone). */
  #drop(proc: DriverProcess): void {
    if (this.#proc === proc) {
      this.#proc = undefined;
      this.#o.events?.stopped();
    }
  }

  async #process(): Promise<DriverProcess> {
    if (this.#proc) return this.#proc;
    this.#starting ??= DriverProcess.start(this.#o, this.#o.startTimeoutMs);
    try {
      const proc = await this.#starting;
      this.#proc = proc;
      this.#o.events?.started();
      this.#o.logger.info("local interpreter started", { pid: proc.pid });
      void proc.exited.then((reason) => {
        if (this.#proc !== proc || this.#inCell) return;
        // Died between calls: say so on the next one.
        this.#drop(proc);
        this.#o.events?.restarted("died");
        this.#o.logger.warn("local interpreter exited between calls", { reason });
        this.#note = `Note: ${reason} since the last call; a new interpreter was started; ` +
          `earlier variables are gone.`;
      });
      return proc;
    } finally {
      this.#starting = undefined;
    }
  }
}
