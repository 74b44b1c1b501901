/**
 * The stateful `local` executor: a long-lived `--python` process per scope
 * running the driver shipped inside sidekernel (standard library only), with
 * notebook semantics: variables persist, the last expression is shown,
 * `display()` takes rich MIME bundles, plots come back as images.
 *
 * Scope (`--kernel-scope`): `pod` gives one interpreter for the server,
 * shared by every MCP session (gpt-oss clients open a session per turn);
 * `session` gives one per MCP session, with idle expiry and a cap.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { DEFAULT_MEMORY_LIMIT_MIB, minimalEnv } from "./containment.ts";
import type { KernelScope } from "../config/config.ts";
import { flagSpec } from "../config/flags.ts";
import {
  type ExecuteRequest,
  type ExecutionResult,
  type Executor,
  type Readiness,
  SESSION_SCOPE_DEFAULTS,
} from "./executor.ts";
import { type InterpreterEvents, LocalInterpreter } from "./local_interpreter.ts";
import { ScopedPool } from "./local_scopes.ts";

export { InterpreterLimitError } from "./local_scopes.ts";
export { DriverStartError } from "./local_process.ts";

/** Options of {@link createLocalExecutor}. */
export interface LocalExecutorOptions {
  /** Interpreter: a path (resolved once at start-up) or a name on PATH. */
  python: string;
  /** Absolute workspace path: the code's cwd and HOME. */
  workspacePath: string;
  timeoutSeconds: number;
  /** @default "pod" (`--kernel-scope`) */
  scope?: KernelScope;
  /** PATH given to the code. */
  path?: string;
  /** Environment of the code; replaces the built-in minimal one when given. */
  env?: Record<string, string>;
  logger: Logger;
  /**
   * How long interrupted code may take to stop before the interpreter is killed.
   * @default 3000
   */
  interruptGraceMs?: number;
  /**
   * How long a new interpreter may take to be ready.
   * @default 30000
   */
  startTimeoutMs?: number;
  /**
   * Session scope: shut an interpreter down after this long without use.
   * @default SESSION_SCOPE_DEFAULTS.idleMs (1 h)
   */
  sessionIdleMs?: number;
  /**
   * Session scope: at most this many interpreters.
   * @default SESSION_SCOPE_DEFAULTS.max (16)
   */
  maxSessionKernels?: number;
  /**
   * Memory ceiling of each interpreter in MiB (`--memory-limit`), 0 for none.
   * @default DEFAULT_MEMORY_LIMIT_MIB (4096)
   */
  memoryLimitMiB?: number;
  /** Told about interpreter life events (metrics). */
  events?: InterpreterEvents;
}

/**
 * Creates the `local` executor. No process starts until the first call.
 *
 * @example
 * ```ts
 * import { silentLogger } from "../obs/log.ts";
 * const executor = createLocalExecutor({
 *   python: "python3", workspacePath: "/tmp/ws", timeoutSeconds: 30, logger: silentLogger,
 * });
 * await executor.execute({ code: "x = 41", onOutput: () => {} });
 * await executor.execute({ code: "x + 1", onOutput: (e) => console.error(e) }); // 42
 * await executor.close();
 * ```
 */
export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const logger = options.logger.child({ component: "local" });
  const scope = options.scope ?? flagSpec("kernel-scope").default;
  const env = options.env ??
    minimalEnv({ workspacePath: options.workspacePath, path: options.path });
  const pool = new ScopedPool<LocalInterpreter>({
    scope,
    idleMs: options.sessionIdleMs ?? SESSION_SCOPE_DEFAULTS.idleMs,
    max: options.maxSessionKernels ?? SESSION_SCOPE_DEFAULTS.max,
    waitMs: options.timeoutSeconds * 1000,
    logger,
    create: () =>
      new LocalInterpreter({
        python: options.python,
        cwd: options.workspacePath,
        env,
        memoryLimitMiB: options.memoryLimitMiB ?? DEFAULT_MEMORY_LIMIT_MIB,
        logger,
        timeoutSeconds: options.timeoutSeconds,
        interruptGraceMs: options.interruptGraceMs ?? 3000,
        startTimeoutMs: options.startTimeoutMs ?? 30_000,
        events: options.events,
      }),
  });

  return {
    kind: "local",
    stateful: true,

    async execute(request: ExecuteRequest): Promise<ExecutionResult> {
      const result = await pool.with(request.sessionId, (i) => i.execute(request));
      const note = pool.takeNote(request.sessionId);
      if (note) result.notes.unshift(note);
      return result;
    },

    async reset(sessionId?: string): Promise<string> {
      const interpreter = pool.peek(sessionId);
      if (!interpreter) return "The Python interpreter had no state yet; nothing to reset.";
      return await interpreter.reset();
    },

    async sessionClosed(sessionId: string): Promise<void> {
      if (scope === "session") await pool.release(sessionId);
    },

    async ready(): Promise<Readiness> {
      try {
        const info = await new Deno.Command(options.python, {
          args: ["-c", "import sys; print(sys.version.split()[0])"],
          cwd: options.workspacePath,
          clearEnv: true,
          env,
          stdin: "null",
          stderr: "null",
        }).output();
        const version = new TextDecoder().decode(info.stdout).trim();
        if (!info.success) {
          return { ok: false, detail: `python "${options.python}" exited with ${info.code}` };
        }
        return { ok: true, detail: `local Python ${version} at "${options.python}"` };
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return { ok: false, detail: `python "${options.python}" could not be started: ${why}` };
      }
    },

    close: () => pool.close(),
  };
}
