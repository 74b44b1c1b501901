/**
 * Real MCP SDK clients for tests, over the real transports of a running
 * sidekernel process: the v1 SDK client (`@modelcontextprotocol/sdk`, MCP
 * 2025-11-25, sessions) and, in `clients_v2.ts`, the v2 client
 * (`@modelcontextprotocol/client`, MCP 2026-07-28) with raw-fetch helpers
 * for hand-made 2026-07-28 requests.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/sse"
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

export { Client, LoggingMessageNotificationSchema };
export type { CallToolResult };

/** Connects a client over Streamable HTTP to `url` (e.g. `http://127.0.0.1:P/mcp`). */
export async function connectStreamable(url: string, headers?: HeadersInit): Promise<Client> {
  const client = new Client({ name: "sidekernel-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
  );
  return client;
}

/** Connects a client over legacy SSE to `url` (e.g. `http://127.0.0.1:P/sse`). */
export async function connectSse(url: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "sidekernel-test", version: "1.0.0" });
  await client.connect(
    new SSEClientTransport(new URL(url), {
      requestInit: { headers },
      eventSourceInit: {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
      },
    }),
  );
  return client;
}

/** Starts sidekernel as a child process and connects over stdio. */
export async function connectStdio(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ client: Client; stderr: string[] }> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args,
    cwd: options.cwd,
    env: options.env,
    stderr: "pipe",
  });
  const stderr: string[] = [];
  const client = new Client({ name: "sidekernel-test", version: "1.0.0" });
  await client.connect(transport);
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr.push(new TextDecoder().decode(chunk)));
  return { client, stderr };
}

/** The text of `content[0]`, as gpt-oss clients read it. */
export function firstText(result: unknown): string {
  const content = (result as CallToolResult).content;
  const first = content?.[0];
  if (!first || first.type !== "text") {
    throw new Error(`no text in content[0]: ${JSON.stringify(result)}`);
  }
  return first.text;
}

/** The Mcp-Session-Id a Streamable HTTP client was given. */
export function sessionIdOf(client: Client): string {
  const id = (client as unknown as { transport?: { sessionId?: string } }).transport?.sessionId;
  if (!id) throw new Error("the client has no MCP session id (not Streamable HTTP?)");
  return id;
}

/**
 * The revision a v1 Streamable HTTP client negotiated in `initialize` (the
 * version its transport now sends as `MCP-Protocol-Version`).
 */
export function revisionOf(client: Client): string {
  const transport = (client as unknown as { transport?: { protocolVersion?: string } }).transport;
  const version = transport?.protocolVersion;
  if (!version) throw new Error("the client has negotiated no revision (not Streamable HTTP?)");
  return version;
}

/** An `initialize` request body, for raw HTTP tests. */
export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "sidekernel-test", version: "1" },
  },
} as const;

/** POSTs one JSON-RPC body to a Streamable HTTP endpoint by hand (optionally in a session). */
export function postMcp(url: string, body: unknown, sessionId?: string): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
  };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  return fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Opens a Streamable HTTP session by hand (initialize + initialized); returns its id. */
export async function openRawSession(mcpUrl: string): Promise<string> {
  const init = await postMcp(mcpUrl, INITIALIZE);
  await init.body?.cancel();
  const id = init.headers.get("mcp-session-id");
  if (!id) throw new Error(`initialize at ${mcpUrl} answered ${init.status} without a session id`);
  const note = await postMcp(mcpUrl, { jsonrpc: "2.0", method: "notifications/initialized" }, id);
  await note.body?.cancel();
  return id;
}
