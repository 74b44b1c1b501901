/**
 * The `python` tool: runs code with the configured executor and returns what
 * a notebook cell would show, in `content[0].text`.
 *
 * The tool is what the model reads (schema, description, annotations) and
 * how a cell's answer becomes a tool result; running the cell (the gate,
 * progress, metrics, the shutdown note, rendering) is `src/exec/cell.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { CellAnswer, CellRunner } from "../exec/cell.ts";
import type { CallToolResult } from "../mcp/sdk.ts";
import { pythonDescription } from "./python_description.ts";
import { OUTCOME_META, type Tool } from "./tool.ts";

/** Longest code accepted in one call. */
export const MAX_CODE_CHARS = 256 * 1024;

/** What the python tool needs. */
export interface PythonToolOptions {
  /** Runs the cells: gate, progress, metrics, rendering (src/exec/cell.ts). */
  cells: CellRunner;
  /** Named in the description in place of gpt-oss's `/mnt/data`. */
  workspacePath: string;
  /** `--timeout`, named in the description. */
  timeoutSeconds: number;
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
 * const cells = new CellRunner({ executor, files, maxOutput: 20000, logger });
 * const tool = createPythonTool({ cells, workspacePath: "/workspace", timeoutSeconds: 120 });
 * ```
 */
export function createPythonTool(options: PythonToolOptions): Tool<typeof inputSchema> {
  return {
    name: "python",
    title: "Run Python",
    description: pythonDescription({
      stateful: options.cells.stateful,
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
      const answer = await options.cells.run({
        code,
        sessionId: context.sessionId,
        signal: context.signal,
        onProgress: context.progress &&
          ((tick) => context.progress?.(tick.seconds, tick.message)),
      });
      return toResult(answer);
    },
  };
}

/** A cell's answer as the tool result: refusals and broken executors are error results. */
function toResult(answer: CellAnswer): CallToolResult {
  const { ended, content } = answer;
  if (ended === "refused" || ended === "failed") return { content, isError: true };
  const outcome = ended === "timeout" ? "timeout" : ended === "cancelled" ? "cancelled" : "ok";
  return { content, _meta: { [OUTCOME_META]: outcome } };
}
