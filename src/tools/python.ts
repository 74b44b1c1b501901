/**
 * The `python` tool: runs code with the configured executor and returns what
 * a notebook cell would show, in `content[0].text`.
 *
 * @module
 */
import { z } from "zod";
import type { Executor } from "../exec/executor.ts";
import { CellOutput } from "../exec/output.ts";
import type { Logger } from "../obs/log.ts";
import type { Metrics } from "../obs/metrics.ts";
import { type ExecutionGate, type GateOptions, refusalText } from "../exec/gate.ts";
import type { OutputFiles } from "../workspace/outputs.ts";
import { pythonDescription } from "./python_description.ts";
import { errorResult, OUTCOME_META, type Tool } from "./tool.ts";

/** Longest code accepted in one call. */
export const MAX_CODE_CHARS = 256 * 1024;

/** What the python tool needs. */
export interface PythonToolOptions {
  executor: Executor;
  files: OutputFiles;
  workspacePath: string;
  timeoutSeconds: number;
  maxOutput: number;
  logger: Logger;
  metrics?: Metrics;
  /** Admission and shutdown of executions; none = no limits. */
  gate?: { gate: ExecutionGate; limits: GateOptions };
}

const inputSchema = {
  code: z.string({ error: 'code must be a string of Python source, e.g. "print(1 + 1)"' })
    .max(MAX_CODE_CHARS, {
      error: (issue) =>
        `code is too long (${(issue.input as string).length} characters; the limit is ` +
        `${MAX_CODE_CHARS}): write data to a file in the workspace and read it from a shorter cell`,
    })
    .describe('Python source to run, e.g. "import math\\nprint(math.pi)"'),
};

/**
 * Creates the `python` tool.
 *
 * @example
 * ```ts
 * const tool = createPythonTool({ executor, files, workspacePath: "/workspace", timeoutSeconds: 120, maxOutput: 20000, logger });
 * ```
 */
export function createPythonTool(options: PythonToolOptions): Tool<typeof inputSchema> {
  const { executor } = options;
  return {
    name: "python",
    title: "Run Python",
    description: pythonDescription({
      stateful: executor.stateful,
      workspacePath: options.workspacePath,
      timeoutSeconds: options.timeoutSeconds,
    }),
    inputSchema,
    executesCode: true,
    annotations: {
      title: "Run Python",
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
      // gpt-oss clients leave a tool with this annotation out of the prompt:
      // the model already knows `python` from the server's instructions.
      include_in_prompt: false,
    },
    async handler({ code }, context) {
      const lease = options.gate?.gate.enter(context.sessionId);
      if (typeof lease === "string") return errorResult(refusalText(lease, options.gate!.limits));
      const signal = lease ? AbortSignal.any([context.signal, lease.signal]) : context.signal;
      const output = new CellOutput({
        maxOutput: options.maxOutput,
        files: options.files,
        stateful: executor.stateful,
      });
      const started = performance.now();
      const endExecution = options.metrics?.startExecution(executor.kind);
      const ticker = context.progress
        ? setInterval(() => {
          const seconds = Math.round((performance.now() - started) / 1000);
          const last = output.lastLine;
          context.progress?.(seconds, `running for ${seconds} s${last ? `: ${last}` : ""}`)
            .catch(() => {});
        }, 1000)
        : undefined;
      try {
        const result = await executor.execute({
          code,
          sessionId: context.sessionId,
          signal,
          onOutput: (event) => output.push(event),
        });
        if (lease?.signal.aborted && !context.signal.aborted) {
          result.notes.push(
            "[SHUTDOWN] sidekernel is shutting down (SIGTERM), so the code was interrupted; " +
              "call again when it is back.",
          );
        }
        const content = output.finish(result);
        if (output.truncated) options.metrics?.truncations.inc({ tool: "python" });
        const end = result.end.kind;
        const outcome = end === "timeout" ? "timeout" : end === "cancelled" ? "cancelled" : "ok";
        return { content, _meta: { [OUTCOME_META]: outcome } };
      } catch (error) {
        options.logger.error("python execution failed", { error });
        const why = error instanceof Error ? error.message : String(error);
        return errorResult(`The code could not be run: ${why}`);
      } finally {
        lease?.release();
        endExecution?.();
        clearInterval(ticker);
      }
    },
  };
}
