/**
 * Reads an MCP POST body once, and refuses an execution the gate would not
 * admit with 429/503 and `Retry-After` before it reaches the MCP server.
 *
 * @module
 */
import { BodyReadError, readBody } from "./body.ts";
import type { ExecutionGate, GateOptions } from "../exec/gate.ts";
import { refusalText } from "../exec/gate.ts";

/** The body, or the response to send instead. */
export type Admission = { body: unknown } | { response: Response };

/**
 * Reads and parses a JSON-RPC POST body (413 as soon as it passes
 * `maxBytes`, 408 when it does not arrive in time, 400 when not JSON), then
 * checks calls of the tools named in `executing` (those that declare
 * `executesCode`, src/tools/tool.ts) against the gate.
 */
export async function admit(
  request: Request,
  sessionId: string,
  gate: ExecutionGate,
  limits: GateOptions,
  maxBytes: number,
  executing: ReadonlySet<string>,
): Promise<Admission> {
  const parsed = await readJson(request, maxBytes);
  if ("response" in parsed) return parsed;
  const refused = admitBody(parsed.body, sessionId, gate, limits, executing);
  return refused ? { response: refused } : parsed;
}

/**
 * Checks an already parsed JSON-RPC body against the gate (see
 * {@link admit}): the response to send instead, or undefined when it may pass.
 * Requests of the 2026-07-28 revision have no session; they share the
 * anonymous key `""`, as stdio does.
 */
export function admitBody(
  body: unknown,
  sessionId: string,
  gate: ExecutionGate,
  limits: GateOptions,
  executing: ReadonlySet<string>,
): Response | undefined {
  if (Array.isArray(body) && body.length === 0) {
    return rpcError(400, -32600, "Invalid Request: an empty batch", null);
  }
  for (const message of Array.isArray(body) ? body : [body]) {
    const m = message as { method?: unknown; params?: { name?: unknown }; id?: unknown };
    if (m?.method !== "tools/call" || !executing.has(String(m.params?.name))) continue;
    const refusal = gate.check(sessionId);
    if (!refusal) continue;
    const status = refusal === "draining" ? 503 : 429;
    const response = rpcError(status, -32000, refusalText(refusal, limits), m.id ?? null);
    response.headers.set("retry-after", refusal === "draining" ? "10" : "2");
    return response;
  }
  return undefined;
}

/** A JSON-RPC error as an HTTP response. */
export function rpcError(status: number, code: number, message: string, id: unknown): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Reads a JSON body within `maxBytes` (see body.ts), or the JSON-RPC error
 * response to send instead.
 */
export async function readJson(request: Request, maxBytes: number): Promise<Admission> {
  let bytes: Uint8Array;
  try {
    bytes = await readBody(request, { maxBytes });
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    const response = rpcError(error.status, -32600, error.message, null);
    // The rest of the body is not read: the connection cannot be reused.
    response.headers.set("connection", "close");
    return { response };
  }
  try {
    return { body: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { response: rpcError(400, -32700, "Parse error: the body is not JSON", null) };
  }
}
