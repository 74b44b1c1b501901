/**
 * The contract between the `python` tool and the code runners behind it.
 *
 * An executor turns a cell of Python code into a list of {@link OutputEvent}s
 * (what a notebook cell would show), plus how the run ended. Rendering those
 * events into MCP content is the job of `output.ts`, shared by all executors.
 *
 * @module
 */

/** Which executor runs code; parsed once from `--executor`. */
/**
 * Session scope (`--kernel-scope session`) of the stateful executors: a
 * session's kernel or interpreter is shut down after `idleMs` without use,
 * and at most `max` live at once (the least recently used goes first).
 */
export const SESSION_SCOPE_DEFAULTS = { idleMs: 3_600_000, max: 16 } as const;

export type ExecutorKind = "jupyter" | "local" | "subprocess";

/** One thing a cell produced, in arrival order. Mirrors Jupyter's IOPub output messages. */
export type OutputEvent =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | {
    type: "display";
    /** MIME bundle, e.g. `{"text/plain": "3", "image/png": "<base64>"}`. */
    data: Record<string, unknown>;
    /** Jupyter `transient.display_id`, for later `update_display_data`. */
    displayId?: string;
    /** True for `update_display_data`: replace the earlier display with this id. */
    update?: boolean;
  }
  | { type: "clear"; wait: boolean }
  | { type: "error"; ename: string; evalue: string; traceback: string[] };

/** How an execution ended. */
export type ExecutionEnd =
  | { kind: "ok" }
  | { kind: "error" }
  | {
    kind: "timeout";
    seconds: number;
    /** True when the interpreter's state survived (kernel interrupted, not restarted). */
    stateKept: boolean;
  }
  | { kind: "cancelled"; stateKept: boolean }
  | {
    kind: "lost";
    /** Why state was lost, e.g. "the kernel died (exit code 1)". */
    reason: string;
  };

/** What a caller receives about progress of a long execution. */
export interface ExecutionProgress {
  elapsedMs: number;
  /** The latest non-empty output line, if any. */
  lastLine?: string;
}

/** One request to run code. */
export interface ExecuteRequest {
  code: string;
  /** MCP session id; used by executors with per-session state. */
  sessionId?: string;
  /** Aborted when the MCP client cancels the request. */
  signal?: AbortSignal;
  /** Called with each output event as it arrives (the renderer consumes these). */
  onOutput: (event: OutputEvent) => void;
  /** Called about once a second while the code runs. */
  onProgress?: (progress: ExecutionProgress) => void;
}

/** Extra lines an executor wants shown after the output, e.g. "a new kernel was started". */
export interface ExecutionResult {
  end: ExecutionEnd;
  notes: string[];
}

/** Readiness of an executor, for `/readyz` and `doctor`. */
export interface Readiness {
  ok: boolean;
  detail: string;
}

/** A code runner. Implementations: subprocess (stateless), jupyter and local (stateful). */
export interface Executor {
  readonly kind: ExecutorKind;
  /** True when variables persist between calls. */
  readonly stateful: boolean;
  /** Runs one cell; never throws for errors in the user's code, only for broken infrastructure. */
  execute(request: ExecuteRequest): Promise<ExecutionResult>;
  /** Drops interpreter state (stateful executors); returns a line for the user. */
  reset(sessionId?: string): Promise<string>;
  /** Called when an MCP session ends, so per-session state can be released. */
  sessionClosed(sessionId: string): Promise<void>;
  ready(): Promise<Readiness>;
  /** Releases everything the executor created (kernels, processes). */
  close(): Promise<void>;
}
