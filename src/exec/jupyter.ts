/**
 * The stateful `jupyter` executor: Python runs in a kernel of a Jupyter
 * Server (in the pod: the python container's server on 127.0.0.1).
 *
 * Kernel scope:
 * - `pod` (default): one kernel for the whole process, started on first use
 *   and shared by every MCP session (gpt-oss clients open a session per turn).
 * - `session`: one kernel per MCP session id. A kernel idle for
 *   `sessionIdleMs` is shut down. At `maxSessionKernels`, a new session evicts
 *   the least recently used idle kernel; when every kernel is busy the call is
 *   refused with {@link KernelLimitError}. A session whose kernel was expired
 *   or evicted gets a note on its next call.
 *
 * Kernel cwd: kernels are created with `path: ""`, i.e. the server's root dir,
 * which in the pod is the shared workspace. When `workspacePath` is given and
 * exists in the kernel's filesystem, a silent `os.chdir(workspacePath)` runs
 * after each kernel start, so the cwd is the workspace even when the server's
 * root dir differs; when that path does not exist for the kernel (another
 * mount point), the root dir stays the cwd.
 *
 * @module
 */

import { JupyterRestClient } from "../kernel/rest.ts";
import type { KernelScope } from "../config/config.ts";
import { flagSpec } from "../config/flags.ts";
import type { Logger } from "../obs/log.ts";
import {
  type ExecuteRequest,
  type ExecutionResult,
  type Executor,
  type Readiness,
  SESSION_SCOPE_DEFAULTS,
} from "./executor.ts";
import { type KernelEvents, ManagedKernel, type ManagedKernelOptions } from "./jupyter_kernel.ts";

export {
  JupyterHttpError,
  JupyterUnreachableError,
  KernelDeadError,
  KernelNotFoundError,
} from "../kernel/errors.ts";

/** Where kernels live: one per process, or one per MCP session (`--kernel-scope`). */
export type { KernelScope };

/** Options of {@link createJupyterExecutor}. */
export interface JupyterExecutorOptions {
  /** Jupyter Server base URL, e.g. `http://127.0.0.1:8888`. */
  url: string;
  /** Server token (`--jupyter-token`); never logged. */
  token?: string;
  /** @default "python3" */
  kernelName?: string;
  /** @default "pod" */
  scope?: KernelScope;
  /**
   * The workspace (absolute); the kernel `chdir`s there after start when it exists for it.
   * Undefined: the kernel's cwd is the server's root dir.
   */
  workspacePath?: string;
  /** Wall-clock limit per execution, in seconds. */
  timeoutSeconds: number;
  logger: Logger;
  /**
   * How long to wait for the kernel to go idle after an interrupt before restarting it.
   * @default 3000
   */
  interruptGraceMs?: number;
  /**
   * Session scope: shut down a session's kernel after this long without use.
   * @default SESSION_SCOPE_DEFAULTS.idleMs (1 h)
   */
  sessionIdleMs?: number;
  /**
   * Session scope: at most this many kernels.
   * @default SESSION_SCOPE_DEFAULTS.max (16)
   */
  maxSessionKernels?: number;
  /**
   * How long to keep retrying an unreachable server when a kernel must be (re)started.
   * @default 30000
   */
  startTimeoutMs?: number;
  /**
   * Before running code on a kernel idle this long, check it still exists (culling).
   * @default 5000
   */
  staleCheckMs?: number;
  /**
   * Send a pong after each received frame to avoid the 40 ms delayed-ACK stall (benchmarks).
   * @default true
   */
  pongAfterFrame?: boolean;
  /** Told about kernel life events (metrics). */
  events?: KernelEvents;
}

/** Session scope: every kernel is busy and the cap is reached. */
export class KernelLimitError extends Error {
  /** The cap that was reached. */
  readonly limit: number;

  /**
   * @param limit `maxSessionKernels`.
   * @param options `cause`, if any.
   */
  constructor(limit: number, options?: ErrorOptions) {
    super(
      `all ${limit} session kernels are busy; try again when one finishes, or raise the limit`,
      options,
    );
    this.name = "KernelLimitError";
    this.limit = limit;
  }
}

const ANONYMOUS = "";
const NOTES_KEPT = 1000;

/**
 * Creates the `jupyter` executor. Nothing is contacted until the first call.
 *
 * @param options Server, kernel spec, scope, timeouts.
 * @returns An {@link Executor} of kind `jupyter`, stateful.
 *
 * @example
 * ```ts
 * import { silentLogger } from "../obs/log.ts";
 * const executor = createJupyterExecutor({
 *   url: "http://127.0.0.1:8888", token: "secret", timeoutSeconds: 120, logger: silentLogger,
 * });
 * const result = await executor.execute({ code: "x = 1; x + 1", onOutput: (e) => {} });
 * await executor.close();
 * ```
 */
export function createJupyterExecutor(options: JupyterExecutorOptions): Executor {
  const rest = new JupyterRestClient({ url: options.url, token: options.token });
  const scope = options.scope ?? flagSpec("kernel-scope").default;
  const kernelName = options.kernelName ?? flagSpec("kernel-name").default;
  const logger = options.logger.child({ component: "jupyter", url: rest.url });
  const idleMs = options.sessionIdleMs ?? SESSION_SCOPE_DEFAULTS.idleMs;
  const maxKernels = Math.max(1, options.maxSessionKernels ?? SESSION_SCOPE_DEFAULTS.max);
  const kernelOptions: ManagedKernelOptions = {
    rest,
    kernelName,
    kernelPath: "",
    workspacePath: options.workspacePath,
    timeoutSeconds: options.timeoutSeconds,
    interruptGraceMs: options.interruptGraceMs ?? 3000,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    staleCheckMs: options.staleCheckMs ?? 5_000,
    logger,
    pongAfterFrame: options.pongAfterFrame,
    events: options.events,
  };

  let podKernel: ManagedKernel | undefined;
  const sessions = new Map<string, ManagedKernel>();
  /** Sessions whose kernel was expired or evicted, with the note for their next call. */
  const notes = new Map<string, string>();
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const remember = (id: string, note: string) => {
    notes.set(id, note);
    if (notes.size > NOTES_KEPT) notes.delete(notes.keys().next().value as string);
  };

  const release = async (id: string, note?: string) => {
    const kernel = sessions.get(id);
    if (!kernel) return;
    sessions.delete(id);
    if (note) remember(id, note);
    await kernel.shutdown();
  };

  const sweep = () => {
    const now = Date.now();
    for (const [id, kernel] of sessions) {
      if (!kernel.busy && now - kernel.lastUsed > idleMs) {
        logger.info("session kernel idle; shutting it down", { kernelId: kernel.kernelId });
        void release(
          id,
          `Note: this session's kernel was shut down after ${
            Math.round(idleMs / 1000)
          } s idle; a new kernel was started; earlier variables are gone.`,
        );
      }
    }
  };

  const kernelFor = async (sessionId: string | undefined): Promise<ManagedKernel> => {
    if (scope === "pod") return podKernel ??= new ManagedKernel(kernelOptions);
    const id = sessionId ?? ANONYMOUS;
    const existing = sessions.get(id);
    if (existing) return existing;
    if (sessions.size >= maxKernels) {
      let oldest: [string, ManagedKernel] | undefined;
      for (const entry of sessions) {
        if (!entry[1].busy && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
      }
      if (!oldest) throw new KernelLimitError(maxKernels);
      logger.info("session kernel cap reached; evicting the least recently used", {
        kernelId: oldest[1].kernelId,
      });
      await release(
        oldest[0],
        `Note: this session's kernel was shut down to make room for another session (limit ${maxKernels}); a new kernel was started; earlier variables are gone.`,
      );
    }
    const kernel = new ManagedKernel(kernelOptions);
    sessions.set(id, kernel);
    if (!sweeper) {
      sweeper = setInterval(sweep, Math.max(50, Math.min(idleMs / 2, 60_000)));
      Deno.unrefTimer(sweeper);
    }
    return kernel;
  };

  return {
    kind: "jupyter",
    stateful: true,

    async execute(request: ExecuteRequest): Promise<ExecutionResult> {
      const kernel = await kernelFor(request.sessionId);
      const result = await kernel.execute(request);
      const id = request.sessionId ?? ANONYMOUS;
      const note = scope === "session" ? notes.get(id) : undefined;
      if (note) {
        notes.delete(id);
        result.notes.unshift(note);
      }
      return result;
    },

    async reset(sessionId?: string): Promise<string> {
      const kernel = scope === "pod" ? podKernel : sessions.get(sessionId ?? ANONYMOUS);
      if (!kernel) return "The Python kernel had no state yet; nothing to reset.";
      return await kernel.reset();
    },

    async sessionClosed(sessionId: string): Promise<void> {
      if (scope === "session") await release(sessionId);
    },

    async ready(): Promise<Readiness> {
      try {
        const info = await rest.info();
        const specs = await rest.kernelSpecs();
        if (!(kernelName in specs.kernelspecs)) {
          return {
            ok: false,
            detail:
              `Jupyter Server ${info.version} at "${rest.url}" has no kernel "${kernelName}" (it has: ${
                Object.keys(specs.kernelspecs).join(", ")
              }); set --kernel-name`,
          };
        }
        return {
          ok: true,
          detail: `Jupyter Server ${info.version} at "${rest.url}", kernel "${kernelName}"`,
        };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },

    async close(): Promise<void> {
      clearInterval(sweeper);
      sweeper = undefined;
      const all = [...sessions.values(), ...(podKernel ? [podKernel] : [])];
      sessions.clear();
      podKernel = undefined;
      await Promise.all(all.map((kernel) => kernel.shutdown()));
    },
  };
}
