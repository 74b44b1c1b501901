/**
 * One running driver of the `local` executor: the OS process, its three
 * pipes, and the translation of what arrives on them into
 * {@link OutputEvent}s in the order the code produced them.
 *
 * The life of the interpreter across processes (queue, timeout, restart)
 * belongs to `local_interpreter.ts`; this module knows one process only.
 *
 * @module
 */
import { deadline } from "../async/deadline.ts";
import type { Logger } from "../obs/log.ts";
import type { OutputEvent } from "./executor.ts";
import { oomKillNote } from "./containment.ts";
import { localDriverCommand } from "./local_driver_py.ts";
import { type DriverMessage, MarkerScanner, parseDriverMessage } from "./local_protocol.ts";

/** How to start a driver. */
export interface DriverSpawnOptions {
  /** Interpreter path (resolved). */
  python: string;
  /** The code's cwd. */
  cwd: string;
  /** The whole environment of the code. */
  env: Record<string, string>;
  /** `--memory-limit` of the interpreter in MiB, 0 for none. */
  memoryLimitMiB: number;
  logger: Logger;
}

/** How one cell ended, as the driver saw it. */
export type CellEnd =
  | { kind: "done"; status: "ok" | "error" }
  | { kind: "exited"; reason: string };

/** The interpreter could not be started or did not say it was ready. */
export class DriverStartError extends Error {
  /** @param python the interpreter; @param detail what went wrong */
  constructor(python: string, detail: string, options?: ErrorOptions) {
    super(
      `the Python interpreter "${python}" could not be started (${detail}); install python3 ` +
        `or pass --python /path/to/python3`,
      options,
    );
    this.name = "DriverStartError";
  }
}

const DIAG_CHARS = 4000;
const DRAIN_MS = 1000;
const KILL_GRACE_MS = 2000;

/** One driver process. Created by {@link DriverProcess.start}. */
export class DriverProcess {
  readonly #child: Deno.ChildProcess;
  readonly #scanner: MarkerScanner;
  readonly #messages = new Map<number, DriverMessage>();
  #wake?: () => void;
  #stderrEnded = false;
  #exitCode?: number;
  #diag = "";
  #sink?: (event: OutputEvent) => void;
  #cellDone?: (end: CellEnd) => void;
  #decoder = new TextDecoder("utf-8", { fatal: false });
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #killedBy?: string;
  /** Resolves with why the process ended, once it has and its output is read. */
  readonly exited: Promise<string>;
  /** The interpreter's pid and version, once it said it is ready. */
  readonly ready: Promise<{ pid: number; version: string }>;

  private constructor(
    child: Deno.ChildProcess,
    nonce: string,
    logger: Logger,
    memoryLimitMiB: number,
  ) {
    this.#child = child;
    this.#scanner = new MarkerScanner(nonce);
    this.#writer = child.stdin.getWriter();
    let ready!: (info: { pid: number; version: string }) => void;
    this.ready = new Promise((resolve) => ready = resolve);
    const stderr = this.#readMessages(ready);
    const stdout = this.#readOutput().catch((error) => {
      logger.warn("local interpreter output could not be read", { error });
    });
    this.exited = (async () => {
      const status = await child.status;
      await deadline(Promise.all([stdout, stderr]), DRAIN_MS, { onTimeout: () => undefined });
      // The supervisor exits with the interpreter's status, 128 + N for signal N.
      const code = this.#exitCode ?? (status.code > 128 ? 128 - status.code : status.code);
      const reason = this.#killedBy ?? exitReason(code, status.signal, memoryLimitMiB);
      this.#cellDone?.({ kind: "exited", reason });
      this.#cellDone = undefined;
      return reason;
    })();
  }

  /**
   * Spawns the driver and waits until it is ready.
   *
   * @throws {DriverStartError} when the interpreter is missing or dies before it is ready
   */
  static async start(options: DriverSpawnOptions, timeoutMs: number): Promise<DriverProcess> {
    const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.python, {
        args: ["-c", localDriverCommand(nonce, options.memoryLimitMiB)],
        cwd: options.cwd,
        clearEnv: true,
        env: options.env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new DriverStartError(options.python, errorName(error), { cause: error });
    }
    const proc = new DriverProcess(child, nonce, options.logger, options.memoryLimitMiB);
    const outcome = await deadline(
      Promise.race([proc.ready.then(() => "ready"), proc.exited]),
      timeoutMs,
      { onTimeout: () => `not ready after ${timeoutMs} ms` },
    );
    if (outcome !== "ready") {
      proc.kill("it did not start");
      const detail = proc.#diag.trim().split("\n").slice(-3).join(" ").slice(0, 500);
      throw new DriverStartError(options.python, detail ? `${outcome}: ${detail}` : outcome);
    }
    return proc;
  }

  /** OS pid of the process sidekernel started (the supervisor). */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * Runs one cell; output goes to `sink` until the cell ends.
   *
   * @returns how it ended: the driver's `done`, or the process's end
   */
  run(code: string, sink: (event: OutputEvent) => void): Promise<CellEnd> {
    const ended = new Promise<CellEnd>((resolve) => this.#cellDone = resolve);
    this.#sink = sink;
    const line = JSON.stringify({ type: "execute", code }) + "\n";
    this.#writer.write(new TextEncoder().encode(line)).catch(() => {
      // The process is gone; `exited` ends the cell.
    });
    return ended.finally(() => this.#sink = undefined);
  }

  /** Sends SIGINT: the running code gets KeyboardInterrupt, state is kept. */
  interrupt(): void {
    signal(this.#child, "SIGINT");
  }

  /** Stops the process and everything it started; `why` becomes the reason of `exited`. */
  kill(why: string): Promise<string> {
    this.#killedBy ??= why;
    signal(this.#child, "SIGTERM");
    const hard = setTimeout(() => signal(this.#child, "SIGKILL"), KILL_GRACE_MS);
    Deno.unrefTimer(hard);
    void this.#child.status.finally(() => clearTimeout(hard));
    void this.#writer.close().catch(() => {});
    return this.exited;
  }

  async #readMessages(ready: (info: { pid: number; version: string }) => void): Promise<void> {
    const lines = this.#child.stderr.pipeThrough(new TextDecoderStream());
    let buffer = "";
    try {
      for await (const chunk of lines) {
        // Search only the new text: a line with a large image arrives in many chunks.
        const from = buffer.length;
        buffer += chunk;
        let nl = buffer.indexOf("\n", from);
        while (nl !== -1) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf("\n");
          const message = parseDriverMessage(line);
          if (!message) {
            if (this.#diag.length < DIAG_CHARS) this.#diag += line + "\n";
          } else if (message.type === "ready") ready(message);
          else if (message.type === "exit") this.#exitCode = message.code;
          else {
            this.#messages.set(message.seq, message);
            this.#wake?.();
          }
        }
      }
    } finally {
      if (buffer && this.#diag.length < DIAG_CHARS) this.#diag += buffer;
      this.#stderrEnded = true;
      this.#wake?.();
    }
  }

  async #message(seq: number): Promise<DriverMessage | undefined> {
    while (!this.#messages.has(seq) && !this.#stderrEnded) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const message = this.#messages.get(seq);
    this.#messages.delete(seq);
    return message;
  }

  async #readOutput(): Promise<void> {
    for await (const chunk of this.#child.stdout) {
      for (const piece of this.#scanner.push(chunk)) {
        if (piece.kind === "bytes") this.#text(this.#decoder.decode(piece.bytes, { stream: true }));
        else this.#dispatch(await this.#message(piece.seq));
      }
    }
    this.#text(this.#decoder.decode(this.#scanner.flush()));
  }

  #text(text: string): void {
    if (text) this.#sink?.({ type: "stream", name: "stdout", text });
  }

  #dispatch(message: DriverMessage | undefined): void {
    if (!message) return;
    const sink = this.#sink;
    if (message.type === "display") {
      sink?.({
        type: "display",
        data: message.data,
        displayId: message.display_id,
        update: message.update,
      });
    } else if (message.type === "clear") sink?.({ type: "clear", wait: message.wait });
    else if (message.type === "error") {
      sink?.({
        type: "error",
        ename: message.ename,
        evalue: message.evalue,
        traceback: message.traceback,
      });
    } else if (message.type === "done") {
      // Whatever follows the marker (a background child's late output) is not this cell's.
      this.#sink = undefined;
      this.#cellDone?.({ kind: "done", status: message.status });
      this.#cellDone = undefined;
    }
  }
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already exited.
  }
}

const SIGNAL_NAMES: Record<number, string> = {
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  15: "SIGTERM",
};

/**
 * Words for how the interpreter ended; negative codes are signals (Python's convention).
 *
 * @example
 * ```ts
 * exitReason(1); // "the Python interpreter exited with status 1 (os._exit, or a crash)"
 * ```
 */
export function exitReason(code: number, signal?: Deno.Signal | null, memoryLimitMiB = 0): string {
  if (signal) return `the Python interpreter was killed by ${signal}`;
  if (code < 0) {
    const n = -code;
    const name = SIGNAL_NAMES[n] ?? `signal ${n}`;
    const hint = n === 9
      ? `. ${oomKillNote(memoryLimitMiB).replace(/\.$/, "")}`
      : n === 11
      ? " (a crash in native code)"
      : "";
    return `the Python interpreter was killed by ${name}${hint}`;
  }
  return `the Python interpreter exited with status ${code} (os._exit, or a crash)`;
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
