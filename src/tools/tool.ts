/**
 * The shape every MCP tool of sidekernel has: one tool per file, each exporting
 * a {@link Tool} built by a factory that receives only what the tool needs.
 *
 * @module
 */
import type { z } from "zod";
import type { CallToolResult, McpServer, ToolAnnotations } from "../mcp/sdk.ts";
import { type ToolsetName, TOOLSETS } from "../config/toolsets.ts";

/** What a running tool call can see of its MCP request. */
export interface ToolContext {
  /** MCP session id (absent on stdio). */
  sessionId?: string;
  /** Aborted when the client sends `notifications/cancelled` or disconnects. */
  signal: AbortSignal;
  /** Sends an MCP progress notification when the client asked for progress. */
  progress?: (progress: number, message?: string) => Promise<void>;
}

/** One MCP tool: its schema and description are what the model reads. */
export interface Tool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Shape;
  outputSchema?: z.ZodRawShape;
  annotations: ToolAnnotations & Record<string, unknown>;
  /**
   * The tool runs the user's code: its calls pass the execution gate before
   * they reach the server (429/503) and keep their own clock (`--timeout`)
   * instead of `--call-timeout`.
   */
  executesCode?: boolean;
  handler(args: z.infer<z.ZodObject<Shape>>, context: ToolContext): Promise<CallToolResult>;
}

/**
 * A toolset as data: what `--toolsets` turns on. Its name and description
 * are declared once in `src/config/toolsets.ts` (they feed the flag's choices,
 * default and help); this is what the server registers for every MCP session.
 */
export interface Toolset {
  name: ToolsetName;
  // deno-lint-ignore no-explicit-any
  tools: Tool<any>[];
  /** Registers the toolset's prompts (and their completions) on one session's server. */
  prompts?(server: McpServer): void;
  /** Registers the toolset's resources (and their subscriptions) on one session's server. */
  resources?(server: McpServer): void;
  /** Called once when a session's server closes; frees what `prompts`/`resources` kept for it. */
  onSessionClosed?(server: McpServer): void;
}

/** The toolset's description, from the one declaration in `src/config/toolsets.ts`. */
export function describeToolset(toolset: Pick<Toolset, "name">): string {
  return TOOLSETS[toolset.name].description;
}

/** Names of the tools among `tools` that execute code (they keep their own clock and pass the gate). */
export function executingToolNames(
  tools: readonly Pick<Tool, "name" | "executesCode">[],
): Set<string> {
  return new Set(tools.filter((tool) => tool.executesCode === true).map((tool) => tool.name));
}

export type { ToolsetName } from "../config/toolsets.ts";

/** `_meta` key a tool sets to tell logs and metrics how its work ended ("timeout", "cancelled"). */
export const OUTCOME_META = "io.sidekernel/outcome";

/** A text-only error result: the tool failed, the server did not. */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** A text-only successful result. */
export function textResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}
