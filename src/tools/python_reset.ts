/**
 * The `python_reset` tool: a fresh interpreter, workspace files kept.
 *
 * @module
 */
import type { Executor } from "../exec/executor.ts";
import { errorResult, textResult, type Tool } from "./tool.ts";

const inputSchema = {};

/**
 * Creates `python_reset`, which restarts the kernel behind `python`
 * (for the subprocess executor it explains there is nothing to reset).
 *
 * @example
 * ```ts
 * const tool = createPythonResetTool(executor);
 * ```
 */
export function createPythonResetTool(executor: Executor): Tool<typeof inputSchema> {
  return {
    name: "python_reset",
    title: "Reset Python",
    description: "Restart the Python interpreter behind `python`: all variables and imports are " +
      "dropped, files in the workspace are kept. Use it when the kernel is stuck or its memory " +
      "is full. Example: {}",
    inputSchema,
    executesCode: true,
    annotations: {
      title: "Reset Python",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    async handler(_args, context) {
      try {
        return textResult(await executor.reset(context.sessionId));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return errorResult(`The interpreter could not be reset: ${why}`);
      }
    },
  };
}
