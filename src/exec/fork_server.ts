/**
 * The TypeScript side of the fork server (fork_server_py.ts): starts the
 * warm interpreter, sends it calls, and routes its framed answers to each
 * call. It restarts the interpreter when it died; calls running at that
 * moment end with status `null` (their supervisors were stopped by their
 * parent-death signal).
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { FORK_SERVER_SOURCE } from "./fork_server_py.ts";

/** Where one call's bytes go. */
export interface CallSink {
  /** The code's stdout and stderr, merged, in order. */
  output(bytes: Uint8Array): void;
  /** Control lines (src/exec/supervisor.ts), in arbitrary chunks. */
  control(bytes: Uint8Array): void;
}

/** Options of {@link ForkServer}. */
export interface ForkServerOptions {
  python: string;
  cwd: string;
  env: Record<string, string>;
  memoryLimitMiB: number;
  logger: Logger;
}

/** A running call: its end, and how to stop it. */
export interface ForkCall {
  /** The supervisor's exit status; `null` when the fork server died during the call. */
  done: Promise<number | null>;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
}

interface Process {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  calls: Map<number, { sink: CallSink; resolve: (status: number | null) => void }>;
  ready: Promise<boolean>;
}

const encoder = new TextEncoder();
const NEWLINE = 10;

/**
 * A warm interpreter that forks a contained child per call.
 *
 * @example
 * ```ts
 * const server = new ForkServer({ python: "python3", cwd: ws, env, memoryLimitMiB: 0, logger });
 * if (await server.ensure()) {
 *   const call = server.run("print(1)", { output: (b) => {}, control: (b) => {} });
 *   await call.done;
 * }
 * await server.close();
 * ```
 */
export class ForkServer {
  readonly #opts: ForkServerOptions;
  #process?: Process;
  #nextId = 1;
  #closed = false;
  /** When the last start failed (no fork, interpreter missing): do not retry before this. */
  #retryAt = 0;

  constructor(options: ForkServerOptions) {
    this.#opts = options;
  }

  /** True while a warm interpreter runs. */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Starts the interpreter when none runs; resolves true once it is ready to fork. */
  ensure(): Promise<boolean> {
    if (this.#closed || Deno.build.os === "windows") return Promise.resolve(false);
    if (this.#process) return this.#process.ready;
    if (Date.now() < this.#retryAt) return Promise.resolve(false);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#opts.python, {
        args: ["-c", FORK_SERVER_SOURCE, String(this.#opts.memoryLimitMiB)],
        cwd: this.#opts.cwd,
        clearEnv: true,
        env: this.#opts.env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch {
      this.#retryAt = Date.now() + 10_000;
      return Promise.resolve(false);
    }
    let markReady: (ok: boolean) => void = () => {};
    const ready = new Promise<boolean>((resolve) => markReady = resolve);
    const process: Process = { child, writer: child.stdin.getWriter(), calls: new Map(), ready };
    this.#process = process;
    this.#readFrames(process, () => markReady(true));
    let log = "";
    child.stderr.pipeTo(
      new WritableStream({
        write: (chunk) => {
          if (log.length < 4096) log += new TextDecoder().decode(chunk);
        },
      }),
    ).catch(() => {});
    let wasReady = false;
    ready.then((ok) => wasReady = ok);
    child.status.then((status) => {
      markReady(false);
      if (this.#process === process) this.#process = undefined;
      for (const call of process.calls.values()) call.resolve(null);
      process.calls.clear();
      if (!this.#closed) {
        // One that never got ready (an interpreter that cannot run it) is not retried soon.
        this.#retryAt = Date.now() + (wasReady ? 1000 : 60_000);
        this.#opts.logger.warn("python fork server exited; it will be started again", {
          code: status.code,
          signal: status.signal,
          detail: log.trim().split("\n").slice(-3).join(" ").slice(0, 500),
        });
      }
    });
    return ready;
  }

  /** Runs a cell; {@link ensure} must have resolved true. */
  run(code: string, sink: CallSink): ForkCall {
    const process = this.#process;
    const id = this.#nextId++;
    if (!process) return { done: Promise.resolve(null), kill: () => {} };
    const done = new Promise<number | null>((resolve) => {
      process.calls.set(id, { sink, resolve });
    });
    this.#send(process, { op: "run", id, code });
    return {
      done,
      kill: (signal) => {
        if (process.calls.has(id)) {
          this.#send(process, { op: "kill", id, signal: signal === "SIGKILL" ? 9 : 15 });
        }
      },
    };
  }

  /** Stops the interpreter: running calls are stopped and everything they started killed. */
  async close(): Promise<void> {
    this.#closed = true;
    const process = this.#process;
    if (!process) return;
    await process.writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        process.child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 3000);
    await process.child.status;
    clearTimeout(timer);
  }

  #send(process: Process, message: unknown): void {
    process.writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => {});
  }

  async #readFrames(process: Process, onReady: () => void): Promise<void> {
    const reader = process.child.stdout.getReader();
    let buffer: Uint8Array = new Uint8Array(0);
    const take = (n: number) => {
      const head = buffer.subarray(0, n);
      buffer = buffer.subarray(n);
      return head;
    };
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer = buffer.length === 0 ? value : concat(buffer, value);
        while (true) {
          const eol = buffer.indexOf(NEWLINE);
          if (eol < 0) break;
          const [id, kind, length] = new TextDecoder().decode(buffer.subarray(0, eol)).split(" ");
          const size = Number(length);
          if (buffer.length < eol + 1 + size) break;
          take(eol + 1);
          const payload = take(size).slice();
          const call = process.calls.get(Number(id));
          if (kind === "r") onReady();
          else if (!call) continue;
          else if (kind === "o") call.sink.output(payload);
          else if (kind === "c") call.sink.control(payload);
          else if (kind === "x") {
            process.calls.delete(Number(id));
            call.resolve(Number(new TextDecoder().decode(payload)));
          }
        }
      }
    } catch {
      // The process ended.
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
