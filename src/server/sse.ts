/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05) on web-standard
 * `Request`/`Response`, for `Deno.serve`: `GET /sse` opens an event stream
 * whose first event names the POST endpoint; `POST /messages?sessionId=…`
 * carries client messages. gpt-oss clients (vLLM, SGLang) speak only this.
 *
 * @module
 */
import { BodyReadError, readBody } from "./body.ts";
import { isJSONRPCRequest, parseJSONRPCMessage } from "../mcp/sdk.ts";
import type { JSONRPCMessage, MessageExtraInfo, Transport } from "../mcp/sdk.ts";

/** Options of {@link SseServerTransport}. */
export interface SseOptions {
  /** Path clients POST to, e.g. `/messages` or `/python/messages`. */
  endpoint: string;
  /**
   * Interval of `: keep-alive` comments, so idle-timeouts of clients and
   * proxies (300 s in the Python SDK) never cut a long call.
   * @default 15000
   */
  keepAliveMs?: number;
  /** Largest POST body accepted. @default 4 MiB */
  maxBodyBytes?: number;
}

const encoder = new TextEncoder();
/** Bytes queued for a client that does not read, before its stream is closed. */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** One SSE connection = one MCP session. */
export class SseServerTransport implements Transport {
  readonly sessionId: string = crypto.randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  readonly #options: Required<SseOptions>;
  #controller?: ReadableStreamDefaultController<Uint8Array>;
  #keepAlive?: ReturnType<typeof setInterval>;
  #closed = false;
  /** Ids of the `tools/call` requests not answered yet. */
  readonly #toolCalls = new Set<string | number>();
  /** The streaming response to return for the `GET`. */
  readonly response: Response;

  constructor(options: SseOptions) {
    this.#options = { keepAliveMs: 15000, maxBodyBytes: 4 * 1024 * 1024, ...options };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.close(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    this.response = new Response(stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Sends the `endpoint` event and starts keep-alives. */
  start(): Promise<void> {
    this.#write(`event: endpoint\ndata: ${this.#options.endpoint}?sessionId=${this.sessionId}\n\n`);
    this.#keepAlive = setInterval(() => this.#write(": keep-alive\n\n"), this.#options.keepAliveMs);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("SSE stream is closed"));
    const answered = "id" in message && !("method" in message) ? message.id : undefined;
    if (answered !== undefined && this.#toolCalls.delete(answered)) {
      message = asToolError(message);
    }
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#keepAlive);
    try {
      this.#controller?.close();
    } catch {
      // The client already went away.
    }
    this.onclose?.();
    return Promise.resolve();
  }

  /**
   * Handles `POST <endpoint>?sessionId=…`: 202 once the message is handed to the server.
   *
   * @param parsedBody the body, when the caller already read it
   */
  async handlePost(request: Request, parsedBody?: unknown): Promise<Response> {
    if (parsedBody !== undefined) return this.#accept(parsedBody, request);
    let bytes: Uint8Array;
    try {
      bytes = await readBody(request, { maxBytes: this.#options.maxBodyBytes });
    } catch (error) {
      if (error instanceof BodyReadError) return plain(error.status, error.message);
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return plain(400, "the body is not JSON: send one JSON-RPC message");
    }
    return this.#accept(body, request);
  }

  #accept(body: unknown, request: Request): Response {
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(body);
    } catch {
      return plain(400, "the body is not a JSON-RPC 2.0 message (jsonrpc, method/result, id)");
    }
    if (isJSONRPCRequest(message) && message.method === "tools/call") {
      this.#toolCalls.add(message.id);
    }
    // The request's headers reach the handlers (the call log reads x-session-id).
    this.onmessage?.(message, { request });
    return plain(202, "Accepted");
  }

  #write(text: string): void {
    if (this.#closed) return;
    try {
      this.#controller?.enqueue(encoder.encode(text));
    } catch {
      void this.close();
      return;
    }
    // A client that stopped reading must not make the server queue without end.
    if ((this.#controller?.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      this.onerror?.(new Error(`the SSE client read nothing of ${MAX_UNREAD_BYTES} bytes`));
      void this.close();
    }
  }
}

/**
 * A `tools/call` error answer as the first release sent it on this transport:
 * an error result whose text is `MCP error <code>: <message>` (an unknown
 * tool, bad arguments). gpt-oss clients read `content[0].text` and call
 * `cleanup_session`, which does not exist, expecting this shape.
 */
function asToolError(message: JSONRPCMessage): JSONRPCMessage {
  if (!("error" in message) || message.id === undefined) return message;
  const { code, message: text } = message.error;
  return {
    result: { content: [{ type: "text", text: `MCP error ${code}: ${text}` }], isError: true },
    jsonrpc: "2.0",
    id: message.id,
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain" } });
}
