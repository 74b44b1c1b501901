/**
 * The v2 MCP client (`@modelcontextprotocol/client`, MCP 2026-07-28) over the
 * real transports of a running sidekernel process, and raw-fetch helpers for
 * hand-made 2026-07-28 requests (the per-request `_meta` envelope and the
 * `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` headers), so tests can
 * send exactly what a client of that revision sends, or get one part wrong.
 *
 * The v1 client (2025-11-25, sessions) lives in `clients.ts`.
 *
 * @module
 */
import {
  Client,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

export { Client as ClientV2 };

/** The revision a v2 client negotiates with a server that serves it. */
export const MODERN = "2026-07-28";
/** The revision the v1 SDK client (1.32) negotiates. */
export const LEGACY = "2025-11-25";

/** The client identity both the v2 helpers and the raw envelope send. */
export const CLIENT_INFO = { name: "sidekernel-test-v2", version: "2.0.0" } as const;

function newClient(): Client {
  // "auto": probe with server/discover, fall back to initialize; what a
  // v2 client does against a server of unknown revision.
  return new Client(CLIENT_INFO, { versionNegotiation: { mode: "auto" } });
}

/** Connects a v2 client over Streamable HTTP to `url` (e.g. `http://127.0.0.1:P/mcp`). */
export async function connectStreamableV2(url: string, headers?: HeadersInit): Promise<Client> {
  const client = newClient();
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
  );
  return client;
}

/**
 * Starts sidekernel as a child process (`args` as for `Deno.execPath()`) and
 * connects a v2 client over stdio. The v2 client probes a stdio server on a
 * short-lived sibling process first, so two children start.
 */
export async function connectStdioV2(
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
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr.push(new TextDecoder().decode(chunk)));
  const client = newClient();
  await client.connect(transport);
  return { client, stderr };
}

/** The revision a v2 client negotiated (`2026-07-28`, or a 2025 one after falling back). */
export function revisionOfV2(client: Client): string {
  const version = client.getNegotiatedProtocolVersion();
  if (!version) throw new Error("the v2 client has negotiated no revision (not connected?)");
  return version;
}

/** The per-request `_meta` envelope of a 2026-07-28 request. */
export function envelope(revision: string = MODERN): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: revision,
    [CLIENT_INFO_META_KEY]: CLIENT_INFO,
    [CLIENT_CAPABILITIES_META_KEY]: {},
  };
}

/** One hand-made 2026-07-28 request. */
export interface ModernRequest {
  method: string;
  params?: Record<string, unknown>;
  id?: number | string;
  /** The `_meta` envelope; default {@link envelope}(); `null` sends none. */
  meta?: Record<string, unknown> | null;
  /**
   * Header overrides (lower-case names); a `null` value leaves the header
   * out. Defaults: `mcp-protocol-version` = the envelope's revision,
   * `mcp-method` = `method`, `mcp-name` = `params.name` or `params.uri`.
   */
  headers?: Record<string, string | null>;
}

/** The headers and body {@link postModern} sends, for tests that look at them. */
export function modernRequest(request: ModernRequest): { headers: Headers; body: string } {
  const meta = request.meta === undefined ? envelope() : request.meta;
  const params = { ...request.params, ...(meta ? { _meta: meta } : {}) };
  const revision = meta?.[PROTOCOL_VERSION_META_KEY];
  const name = request.params?.name ?? request.params?.uri;
  const defaults: Record<string, string | undefined> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": typeof revision === "string" ? revision : undefined,
    "mcp-method": request.method,
    "mcp-name": typeof name === "string" ? name : undefined,
  };
  const headers = new Headers();
  for (const [key, value] of Object.entries({ ...defaults, ...request.headers })) {
    if (typeof value === "string") headers.set(key, value);
  }
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: request.id ?? 1,
    method: request.method,
    params,
  });
  return { headers, body };
}

/** POSTs one hand-made 2026-07-28 request to a Streamable HTTP endpoint (no session). */
export function postModern(url: string, request: ModernRequest): Promise<Response> {
  const { headers, body } = modernRequest(request);
  return fetch(url, { method: "POST", headers, body });
}

/** A JSON-RPC message as it came back. */
export interface JsonRpcAnswer {
  jsonrpc: "2.0";
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * Every JSON-RPC message of an answer, whether it came as one JSON body or as
 * an SSE stream (`data:` lines of each event, in order).
 */
export async function messagesOf(response: Response): Promise<JsonRpcAnswer[]> {
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream")) {
    if (!text.trim()) return [];
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  const messages: JsonRpcAnswer[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, "")).join("\n");
    if (data.trim()) messages.push(JSON.parse(data));
  }
  return messages;
}

/** The final answer (the message with a `result` or an `error`) of a response. */
export async function answerOf(response: Response): Promise<JsonRpcAnswer> {
  const messages = await messagesOf(response);
  const answer = messages.find((m) => m.result !== undefined || m.error !== undefined);
  if (!answer) {
    throw new Error(
      `HTTP ${response.status} without a JSON-RPC answer: ${JSON.stringify(messages)}`,
    );
  }
  return answer;
}
