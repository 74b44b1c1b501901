/**
 * The one module that imports the MCP SDK (the v2 server package,
 * `@modelcontextprotocol/server`, which serves the 2026-07-28 revision and
 * still negotiates 2025-11-25 through `initialize`). Everything that
 * registers tools, renders results or serves a transport imports the SDK
 * from here, so the SDK sits below its users (docs/ARCHITECTURE.md, "Layers").
 *
 * @module
 */

export {
  completable,
  createMcpHandler,
  isInitializeRequest,
  isJSONRPCRequest,
  isLegacyRequest,
  McpServer,
  parseJSONRPCMessage,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
export type {
  BlobResourceContents,
  CallToolResult,
  ContentBlock,
  EventStore,
  JSONRPCMessage,
  McpHttpHandler,
  McpServerFactory,
  MessageExtraInfo,
  ReadResourceResult,
  Resource,
  ServerContext,
  TextResourceContents,
  ToolAnnotations,
  Transport,
  TransportSendOptions,
} from "@modelcontextprotocol/server";
export { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";

/**
 * JSON-RPC error code of an answer the server gave up waiting for (the v1
 * SDK's `RequestTimeout`; the v2 SDK names no code for it).
 */
export const REQUEST_TIMEOUT = -32001;
