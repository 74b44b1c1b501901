/**
 * Running one cell for a caller: the service behind the `python` tool.
 *
 * A cell passes the execution gate (admission per session and in all, and
 * shutdown: README, "Operating it"), runs on the configured {@link Executor} while
 * the caller hears about it once a second, is counted in the execution
 * metrics, and is rendered by the one output renderer (`output.ts`). When
 * shutdown interrupts it, the answer says so. What is left to a tool is its
 * schema and description, and turning a {@link CellAnswer} into a result.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import type { Metrics } from "../obs/metrics.ts";
import type { OutputFiles } from "../workspace/outputs.ts";
import type { Executor, ExecutorKind } from "./executor.ts";
import { type ExecutionGate, refusalText } from "./gate.ts";
import { CellOutput } from "./output.ts";

/** What a cell shows: `content[0]` is one text block, image content follows (see `output.ts`). */
export type CellContent = ReturnType<CellOutput["finish"]>;

/**
 * How a cell ended. The first five are how the run ended (the executor's
 * `ExecutionResult.end.kind`, executor.ts; `"error"` is an exception in the
 * user's code, shown with its traceback). `"refused"`: the gate did not admit
 * it, nothing ran. `"failed"`: the executor broke (the kernel could not be
 * reached, ...), and the text says why.
 */
export type CellEnded = "ok" | "error" | "timeout" | "cancelled" | "lost" | "refused" | "failed";

/** A progress tick of a running cell. */
export interface CellProgress {
  /** Whole seconds since the cell started. */
  seconds: number;
  /** `running for N s`, then the latest output line if there is one. */
  message: string;
}

/** One cell to run. */
export interface CellRequest {
  /** Python source. */
  code: string;
  /** MCP session id: the gate counts per session, executors keep per-session state by it. */
  sessionId?: string;
  /** Aborted when the caller gives up (MCP cancellation): the executor interrupts the code. */
  signal: AbortSignal;
  /**
   * Called about every `tickMs` while the cell runs. A rejected promise is
   * ignored: a caller that cannot be told any more does not stop the cell.
   */
  onProgress?: (progress: CellProgress) => void | Promise<void>;
}

/** What a caller gets back; never thrown, whatever happened. */
export interface CellAnswer {
  ended: CellEnded;
  /** What to show. For `"refused"` and `"failed"`, one text block saying why and what to do. */
  content: CellContent;
  /** True when the text was cut to `maxOutput` (the full text is saved in the workspace). */
  truncated: boolean;
  /** True when shutdown interrupted the code; the text carries {@link SHUTDOWN_NOTE}. */
  shutDown: boolean;
}

/** Options of {@link CellRunner}. */
export interface CellRunnerOptions {
  executor: Executor;
  /** Where images and the full text of cut output are saved. */
  files: OutputFiles;
  /** `--max-output`: characters of text before head+tail truncation. */
  maxOutput: number;
  logger: Logger;
  /** Execution count and duration by executor, and truncations (`tool="python"`). */
  metrics?: Metrics;
  /** Admission and shutdown; none = no limits. */
  gate?: ExecutionGate;
  /**
   * Milliseconds between progress ticks.
   * @default 1000
   */
  tickMs?: number;
}

/** The line added after the output when shutdown interrupted a cell. */
export const SHUTDOWN_NOTE =
  "[SHUTDOWN] sidekernel is shutting down (SIGTERM), so the code was interrupted; " +
  "call again when it is back.";

/**
 * Runs cells on one executor; one per server process, shared by every session.
 *
 * @example
 * ```ts
 * const cells = new CellRunner({ executor, files, maxOutput: 20000, logger, metrics, gate });
 * const answer = await cells.run({ code: "print(1 + 1)", signal: AbortSignal.timeout(60_000) });
 * answer.ended; // "ok"
 * answer.content[0]; // { type: "text", text: "2\n" }
 * ```
 */
export class CellRunner {
  readonly #options: CellRunnerOptions;

  constructor(options: CellRunnerOptions) {
    this.#options = options;
  }

  /** True when variables persist between cells (the executor's). */
  get stateful(): boolean {
    return this.#options.executor.stateful;
  }

  /** Which executor runs the cells. */
  get kind(): ExecutorKind {
    return this.#options.executor.kind;
  }

  /**
   * Runs one cell: gate, progress, metrics, rendering.
   *
   * @returns the answer; refusals and broken executors are answers too
   */
  async run(request: CellRequest): Promise<CellAnswer> {
    const { executor, gate, metrics } = this.#options;
    const lease = gate?.enter(request.sessionId);
    if (typeof lease === "string") return notRun("refused", refusalText(lease, gate!.limits));
    const signal = lease ? AbortSignal.any([request.signal, lease.signal]) : request.signal;
    const output = new CellOutput({
      maxOutput: this.#options.maxOutput,
      files: this.#options.files,
      stateful: executor.stateful,
    });
    const endExecution = metrics?.startExecution(executor.kind);
    const stopTicks = request.onProgress
      ? ticks(request.onProgress, () => output.lastLine, this.#options.tickMs ?? 1000)
      : undefined;
    try {
      const result = await executor.execute({
        code: request.code,
        sessionId: request.sessionId,
        signal,
        onOutput: (event) => output.push(event),
      });
      const shutDown = lease?.signal.aborted === true && !request.signal.aborted;
      if (shutDown) result.notes.push(SHUTDOWN_NOTE);
      const content = output.finish(result);
      if (output.truncated) metrics?.truncations.inc({ tool: "python" });
      return { ended: result.end.kind, content, truncated: output.truncated, shutDown };
    } catch (error) {
      this.#options.logger.error("python execution failed", { error });
      const why = error instanceof Error ? error.message : String(error);
      return notRun("failed", `The code could not be run: ${why}`);
    } finally {
      stopTicks?.();
      lease?.release();
      endExecution?.();
    }
  }
}

function notRun(ended: "refused" | "failed", text: string): CellAnswer {
  return { ended, content: [{ type: "text", text }], truncated: false, shutDown: false };
}

/** Calls `onProgress` every `everyMs` until the returned function is called. */
function ticks(
  onProgress: NonNullable<CellRequest["onProgress"]>,
  lastLine: () => string | undefined,
  everyMs: number,
): () => void {
  const started = performance.now();
  const timer = setInterval(() => {
    const seconds = Math.round((performance.now() - started) / 1000);
    const last = lastLine();
    try {
      const sent = onProgress({
        seconds,
        message: `running for ${seconds} s${last ? `: ${last}` : ""}`,
      });
      if (sent instanceof Promise) sent.catch(() => {});
    } catch {
      // The caller could not be told; the cell runs on.
    }
  }, everyMs);
  return () => clearInterval(timer);
}
