/**
 * The stateless executor: every call runs in a fresh interpreter state with
 * the local interpreter (`--python`), cwd = workspace, a minimal environment,
 * its own process group and the `--memory-limit` ceiling; nothing it starts
 * outlives the call (docs/SECURITY.md, "Process containment").
 *
 * Where the platform has `fork`, a warm pristine interpreter (the fork
 * server, fork_server.ts) forks each call, which skips interpreter start-up;
 * elsewhere, or while the fork server is down, each call starts a fresh
 * process running supervisor.ts's program.
 *
 * @module
 */
import { join } from "node:path";
import { deadline } from "../async/deadline.ts";
import type { Logger } from "../obs/log.ts";
import { writeNewFileSync } from "../workspace/write.ts";
import {
  DEFAULT_MEMORY_LIMIT_MIB,
  memoryLimitNote,
  minimalEnv,
  oomKillNote,
} from "./containment.ts";
import type { ExecuteRequest, ExecutionResult, Executor, Readiness } from "./executor.ts";
import { type CallSink, ForkServer } from "./fork_server.ts";
import { SUPERVISOR_SOURCE } from "./supervisor.ts";
import { ControlReader, TextPump } from "./subprocess_io.ts";

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
   * `--memory-limit`: MiB of memory each call may allocate, 0 for no ceiling.
   * @default DEFAULT_MEMORY_LIMIT_MIB
   */
  memoryLimitMiB?: number;
  /**
   * Fork calls from a warm interpreter where the platform has `fork`.
   * @default true
   */
  forkServer?: boolean;
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

/** One call in flight, whichever way it was started. */
interface Run {
  /** Exit status of the supervisor; `null` when the fork server died during the call. */
  done: Promise<number | null>;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
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
  const memoryLimitMiB = options.memoryLimitMiB ?? DEFAULT_MEMORY_LIMIT_MIB;
  const env = minimalEnv({ workspacePath: options.workspacePath, path: options.path });
  const running = new Set<Run>();
  const forkServer = options.forkServer === false ? undefined : new ForkServer({
    python: options.python,
    cwd: options.workspacePath,
    env,
    memoryLimitMiB,
    logger: options.logger,
  });
  // Warm it now, so that the first call is fast too.
  forkServer?.ensure();

  function fresh(code: string, sink: CallSink): Run {
    // No-follow: hostile code may have swapped `.sidekernel/` or `cells/` for a link.
    const file = writeNewFileSync(
      options.workspacePath,
      join(".sidekernel", "cells", `cell-${crypto.randomUUID().slice(0, 8)}.py`),
      code,
    );
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.python, {
        args: ["-c", SUPERVISOR_SOURCE, file, String(memoryLimitMiB)],
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
    const stdout = pump(child.stdout, (bytes) => sink.output(bytes));
    const stderr = pump(child.stderr, (bytes) => sink.control(bytes));
    const done = (async () => {
      const status = await child.status;
      // Output can still sit in the pipes: wait for both to end, within a bound.
      await deadline(Promise.all([stdout.done, stderr.done]), options.drainMs ?? 1000, {
        onTimeout: () => undefined,
      });
      stdout.cancel();
      stderr.cancel();
      Deno.remove(file).catch(() => {});
      return status.signal ? -(status.code - 128) : status.code;
    })();
    return {
      done,
      kill: (signal) => {
        try {
          child.kill(signal);
        } catch {
          // Already exited.
        }
      },
    };
  }

  async function execute(request: ExecuteRequest): Promise<ExecutionResult> {
    const text = new TextPump((t) => request.onOutput({ type: "stream", name: "stdout", text: t }));
    const control = new ControlReader((data) => request.onOutput({ type: "display", data }));
    const sink: CallSink = { output: (b) => text.push(b), control: (b) => control.push(b) };
    const forked = forkServer !== undefined && await forkServer.ensure();
    const run = forked ? forkServer.run(request.code, sink) : fresh(request.code, sink);
    running.add(run);
    const stopped = await deadline(run.done.then(() => undefined), options.timeoutSeconds * 1000, {
      onTimeout: () => "timeout" as const,
      signal: request.signal,
      onAbort: () => "cancelled" as const,
    });
    if (stopped) {
      // The supervisor kills every descendant on SIGTERM; SIGKILL if it is still there in 2 s.
      run.kill("SIGTERM");
      await deadline(run.done, 2000, { onTimeout: () => run.kill("SIGKILL") });
    }
    const status = await run.done;
    running.delete(run);
    text.end();
    control.end();

    if (stopped === "timeout") {
      return {
        end: { kind: "timeout", seconds: options.timeoutSeconds, stateKept: false },
        notes: [],
      };
    }
    if (stopped === "cancelled") return { end: { kind: "cancelled", stateKept: false }, notes: [] };
    const notes: string[] = [];
    if (control.outOfMemory) notes.push(memoryLimitNote(memoryLimitMiB));
    if (status === null) {
      notes.push(
        "[exit] The call was stopped: the warm Python interpreter that runs calls exited " +
          "during it. Run the code again; a new one is started.",
      );
      return { end: { kind: "error" }, notes };
    }
    const code = control.exitCode ?? status;
    if (code === -9) notes.push(oomKillNote(memoryLimitMiB));
    else if (code < 0) notes.push(`[exit] The process was killed by signal ${-code}.`);
    else if (code !== 0 && code !== 1) notes.push(`[exit] The code exited with status ${code}.`);
    if (control.exitCode === undefined && status !== 0) {
      const detail = control.otherText.trim().split("\n").slice(-3).join(" ").slice(0, 500);
      options.logger.warn("python supervisor failed", { code: status, detail, forked });
      notes.push(`[exit] The interpreter exited with status ${status}. ${detail}`.trim());
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
      Promise.resolve({
        ok: true,
        detail: `python "${options.python}"` +
          (forkServer?.running ? ", calls forked from a warm interpreter" : ""),
      }),
    close: async () => {
      for (const run of running) run.kill("SIGTERM");
      await forkServer?.close();
    },
  };
}

/** Reads a byte stream until it ends or is cancelled. */
function pump(stream: ReadableStream<Uint8Array>, onBytes: (bytes: Uint8Array) => void) {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        onBytes(value);
      }
    } catch {
      // Cancelled.
    }
  })();
  return { done, cancel: () => reader.cancel().catch(() => {}) };
}
