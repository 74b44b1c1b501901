/**
 * A real MCP SDK Client linked in memory to a real McpServer serving one
 * toolset, so schemas and structuredContent are validated by the SDK.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { McpServer } from "../../src/server/sdk.ts";
import type { Tool, ToolContext, Toolset } from "../../src/tools/tool.ts";

export { Client };
export type { CallToolResult };

/** A connected client/server pair. */
export interface InMemorySession {
  client: Client;
  server: McpServer;
  /** Calls a tool and returns its result (schemas checked by the SDK on both ends). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

function register(server: McpServer, tool: Tool): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: tool.annotations,
    },
    // deno-lint-ignore no-explicit-any
    ((args: any, extra: { sessionId?: string; signal: AbortSignal }) => {
      const context: ToolContext = { sessionId: extra.sessionId, signal: extra.signal };
      return tool.handler(args, context);
    }) as never,
  );
}

/** Serves `toolsets` on a new McpServer and connects a Client to it in memory. */
export async function connectToolsets(...toolsets: Toolset[]): Promise<InMemorySession> {
  const server = new McpServer({ name: "sidekernel", version: "test" });
  for (const set of toolsets) {
    for (const tool of set.tools) register(server, tool);
    set.registerExtras?.(server);
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "sidekernel-test", version: "1.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    server,
    call: async (name, args = {}) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The text of a result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}
