/**
 * The shape every MCP tool of sidekernel has: one tool per file, each exporting
 * a {@link Tool} built by a factory that receives only what the tool needs.
 *
 * @module
 */
import type { z } from "zod";
import type { CallToolResult, McpServer, ToolAnnotations } from "../mcp/sdk.ts";
import type { ToolsetName } from "../config/toolsets.ts";

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
  handler(args: z.infer<z.ZodObject<Shape>>, context: ToolContext): Promise<CallToolResult>;
}

/** A named group of tools enabled by `--toolsets`, plus any prompts or resources it adds. */
export interface Toolset {
  name: ToolsetName;
  // deno-lint-ignore no-explicit-any
  tools: Tool<any>[];
  /** Registers prompts, resources or completions beyond the tools. */
  registerExtras?(server: McpServer): void;
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
