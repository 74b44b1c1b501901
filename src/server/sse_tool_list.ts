/**
 * `tools/list` of the gpt-oss python server on legacy SSE, exactly as the
 * first release answered it: the tool's input schema as JSON Schema draft-07
 * and `execution.taskSupport: "forbidden"`. gpt-oss tool servers (vLLM,
 * SGLang) turn this answer into the model's prompt, so its bytes stay the
 * same across SDK versions (tests/gpt_oss_golden_test.ts holds them; the
 * README's "gpt-oss" section says what those clients read).
 *
 * @module
 */
import { z } from "zod";
import type { McpServer } from "../mcp/sdk.ts";
import type { Tool } from "../tools/tool.ts";

/** Answers `tools/list` on `server` with `tools` in the first release's shape. */
export function answerToolListAsBefore(server: McpServer, tools: readonly Tool[]): void {
  const listed = tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: draft07(tool.inputSchema, "input"),
    annotations: tool.annotations,
    execution: { taskSupport: "forbidden" as const },
    ...(tool.outputSchema ? { outputSchema: draft07(tool.outputSchema, "output") } : {}),
  }));
  server.server.setRequestHandler("tools/list", () => ({ tools: listed }));
}

/** An object schema as JSON Schema draft-07 (its keys in zod's order: `$schema` first). */
function draft07(
  shape: z.ZodRawShape,
  io: "input" | "output",
): { type: "object"; [key: string]: unknown } {
  const json: Record<string, unknown> = z.toJSONSchema(z.object(shape), { target: "draft-7", io });
  // Assigning a key the object has keeps its place: the bytes stay in zod's order.
  return { ...json, type: "object" };
}
