/**
 * The stateless executor: every call writes the code to a file under the
 * workspace and runs it with the local interpreter (`--python`) in its own
 * process group, cwd = workspace, with a minimal environment.
 *
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../obs/log.ts";
import type { ExecuteRequest, ExecutionResult, Executor, Readiness } from "./executor.ts";
import { SUPERVISOR_SOURCE } from "./supervisor.ts";

/** Options of {@link createSubprocessExecutor}. */
export interface SubprocessOptions {
  /** Interpreter to run, a name on PATH or a path. */
  python: string;
  /** Absolute workspace path: the code's cwd and where cell files are written. */
  workspacePath: string;
  timeoutSeconds: number;
  /** PATH given to the code (the only variable passed through). */
  path?: string;
  logger: Logger;
  /**
   * How long to keep reading after the code exited, for output still in pipes.
   * @default 1000
   */
  drainMs?: number;
}

/** The interpreter could not be started. */
export class PythonNotFoundError extends Error {
  constructor(python: string, options?: ErrorOptions) {
    super(
      `the Python interpreter "${python}" could not be started; install python3 or pass ` +
        `--python /path/to/python3`,
      options,
    );
    this.name = "PythonNotFoundError";
  }
}

/**
 * Creates the subprocess executor.
 *
 * @example
 * ```ts
 * const exec = createSubprocessExecutor({ python: "python3", workspacePath: "/tmp/ws", timeoutSeconds: 30, logger });
 * await exec.execute({ code: "print(1)", onOutput: (e) => console.log(e) });
 * ```
 */
export function createSubprocessExecutor(options: SubprocessOptions): Executor {
  const cellDir = join(options.workspacePath, ".sidekernel", "cells");
  const running = new Set<Deno.ChildProcess>();
  const env: Record<string, string> = {
    PATH: options.path ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: options.workspacePath,
    LANG: "C.UTF-8",
    PYTHONUNBUFFERED: "1",
    PYTHONIOENCODING: "utf-8",
    PYTHONDONTWRITEBYTECODE: "1",
    MPLBACKEND: "Agg",
    TERM: "dumb",
  };

  async function execute(request: ExecuteRequest): Promise<ExecutionResult> {
    Deno.mkdirSync(cellDir, { recursive: true });
    const file = join(cellDir, `cell-${crypto.randomUUID().slice(0, 8)}.py`);
    Deno.writeTextFileSync(file, request.code);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.python, {
        args: ["-c", SUPERVISOR_SOURCE, file],
        cwd: options.workspacePath,
        clearEnv: true,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      Deno.removeSync(file);
      throw new PythonNotFoundError(options.python, { cause: error });
    }
    running.add(child);
    let stopped: "timeout" | "cancelled" | undefined;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = (why: "timeout" | "cancelled") => {
      if (stopped) return;
      stopped = why;
      // The supervisor kills its whole process group on SIGTERM.
      killQuietly(child, "SIGTERM");
      killTimer = setTimeout(() => killQuietly(child, "SIGKILL"), 2000);
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutSeconds * 1000);
    const onAbort = () => stop("cancelled");
    request.signal?.addEventListener("abort", onAbort, { once: true });
    if (request.signal?.aborted) onAbort();

    const stdout = pump(
      child.stdout,
      (text) => request.onOutput({ type: "stream", name: "stdout", text }),
    );
    let supervisorText = "";
    const stderr = pump(child.stderr, (text) => {
      if (supervisorText.length < 65536) supervisorText += text;
    });
    const status = await child.status;
    clearTimeout(timer);
    clearTimeout(killTimer);
    request.signal?.removeEventListener("abort", onAbort);
    running.delete(child);
    // Output can still sit in the pipes; something that escaped the group may hold them open.
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([stdout.done, stderr.done]),
      new Promise((resolve) => drainTimer = setTimeout(resolve, options.drainMs ?? 1000)),
    ]);
    clearTimeout(drainTimer);
    stdout.cancel();
    stderr.cancel();
    Deno.remove(file).catch(() => {});

    if (stopped === "timeout") {
      return {
        end: { kind: "timeout", seconds: options.timeoutSeconds, stateKept: false },
        notes: [],
      };
    }
    if (stopped === "cancelled") return { end: { kind: "cancelled", stateKept: false }, notes: [] };
    const exit = /sidekernel-exit: (-?\d+)/.exec(supervisorText);
    const code = exit ? Number(exit[1]) : status.code;
    const notes: string[] = [];
    if (code < 0) notes.push(`[exit] The process was killed by signal ${-code}.`);
    else if (code !== 0 && code !== 1) notes.push(`[exit] The code exited with status ${code}.`);
    if (!exit && status.code !== 0) {
      const detail = supervisorText.trim().split("\n").slice(-3).join(" ").slice(0, 500);
      options.logger.warn("python supervisor failed", { code: status.code, detail });
      notes.push(`[exit] The interpreter exited with status ${status.code}. ${detail}`.trim());
    }
    return { end: { kind: code === 0 ? "ok" : "error" }, notes };
  }

  return {
    kind: "subprocess",
    stateful: false,
    execute,
    reset: () =>
      Promise.resolve("Nothing to reset: every call already runs in a fresh Python process."),
    sessionClosed: () => Promise.resolve(),
    ready: (): Promise<Readiness> =>
      Promise.resolve({ ok: true, detail: `python "${options.python}"` }),
    close: () => {
      for (const child of running) killQuietly(child, "SIGTERM");
      return Promise.resolve();
    },
  };
}

function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already exited.
  }
}

/** Reads a byte stream as UTF-8 text (bad bytes become U+FFFD) until it ends or is cancelled. */
function pump(stream: ReadableStream<Uint8Array>, onText: (text: string) => void) {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (text) onText(text);
      }
      const rest = decoder.decode();
      if (rest) onText(rest);
    } catch {
      // Cancelled.
    }
  })();
  return { done, cancel: () => reader.cancel().catch(() => {}) };
}
