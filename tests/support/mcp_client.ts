/**
 * A real MCP SDK Client (v2, `@modelcontextprotocol/client`) linked in
 * memory to a real McpServer serving toolsets registered exactly as the
 * server does, so schemas and structuredContent are validated by the SDK.
 *
 * @module
 */
import { Client, InMemoryTransport, ProtocolError } from "@modelcontextprotocol/client";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { silentLogger } from "../../src/obs/log.ts";
import { createMetrics } from "../../src/obs/metrics.ts";
import { registerToolsets } from "../../src/server/mcp.ts";
import { McpServer } from "../../src/mcp/sdk.ts";
import type { Toolset } from "../../src/tools/tool.ts";

export { Client, ProtocolError };
export type { CallToolResult };

/** A connected client/server pair. */
export interface InMemorySession {
  client: Client;
  server: McpServer;
  /** Calls a tool and returns its result (schemas checked by the SDK on both ends). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Serves `toolsets` on a new McpServer and connects a Client to it in memory. */
export async function connectToolsets(...toolsets: Toolset[]): Promise<InMemorySession> {
  const server = new McpServer({ name: "sidekernel", version: "test" });
  const deps = { logger: silentLogger, metrics: createMetrics() };
  registerToolsets(server, toolsets, deps);
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
