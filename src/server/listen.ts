/**
 * The HTTP listener: `node:http` carrying bytes to and from a web-standard
 * `Request → Response` handler (http.ts), because `Deno.serve` has no header
 * or request timeout and no connection cap — a client sending its headers one
 * byte a second held a connection for as long as it liked (measured: over
 * 70 s). Here, as docs/SECURITY.md "HTTP limits" says:
 *
 * - headers must arrive within `headersTimeoutMs`, the whole request (body
 *   too) within `requestTimeoutMs` (408 otherwise);
 * - at most `maxConnections` connections are open, more are closed at once;
 * - an idle keep-alive connection is closed after `keepAliveTimeoutMs`;
 * - a response write that a client does not read for `writeStallMs` closes
 *   the connection (and cancels the response stream).
 *
 * The request's URL is built from the bound address, never from `Host`, so
 * a malformed `Host` reaches the handler's guard as a header (400 there).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { delay } from "../async/delay.ts";

/** Limits and address of {@link listen}. */
export interface ListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Time the request headers may take to arrive. @default 10000 */
  headersTimeoutMs?: number;
  /** Time the whole request (headers and body) may take to arrive. @default 30000 */
  requestTimeoutMs?: number;
  /** Time an idle keep-alive connection stays open. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** Time a response may wait for a client that does not read. @default 30000 */
  writeStallMs?: number;
  /** Connections open at once. @default 1024 */
  maxConnections?: number;
  /** Called with a handler's exception; the client gets a plain 500. */
  onError: (error: unknown) => void;
}

/** A running listener. */
export interface Listener {
  /** The bound port. */
  readonly port: number;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting, closes idle connections, waits up to `graceMs` for the
   * others, then closes whatever is left.
   */
  close(graceMs: number): Promise<void>;
}

/** A web-standard request handler. */
export type Handler = (request: Request) => Promise<Response>;

/**
 * Listens on `options.hostname:options.port` and serves `handler`.
 *
 * @throws the listen error (e.g. `EADDRINUSE`, or a permission refusal)
 * @example
 * ```ts
 * const listener = await listen(() => Promise.resolve(new Response("ok")), {
 *   hostname: "127.0.0.1", port: 0, onError: console.error,
 * });
 * await listener.close(1000);
 * ```
 */
export function listen(handler: Handler, options: ListenOptions): Promise<Listener> {
  const writeStallMs = options.writeStallMs ?? 30_000;
  const sockets = new Set<Socket>();
  const server = createServer({
    noDelay: true,
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    connectionsCheckingInterval: 1_000,
  }, (req, res) => {
    void serveOne(handler, req, res, origin, writeStallMs).catch((error) => {
      options.onError(error);
      res.destroy();
    });
  });
  server.maxConnections = options.maxConnections ?? 1024;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  let origin = `http://${host}`;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      server.on("error", options.onError);
      const port = (server.address() as AddressInfo).port;
      origin = `http://${host}:${port}`;
      resolve({
        port,
        get connections() {
          return sockets.size;
        },
        close: (graceMs) => close(server, sockets, graceMs),
      });
    });
  });
}

async function close(
  server: ReturnType<typeof createServer>,
  sockets: Set<Socket>,
  graceMs: number,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
  await Promise.race([closed, late]);
  clearTimeout(timer);
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
}

async function serveOne(
  handler: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  writeStallMs: number,
): Promise<void> {
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : new BodyStream(req);
  // The Request's signal aborts when the client goes away before its answer
  // was written, so a handler can stop work nobody will read.
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort(CLIENT_GONE);
  });
  let request: Request;
  try {
    request = toRequest(req, origin, gone.signal, body?.stream);
  } catch {
    return plain(res, 400, "bad request: the request line or a header is malformed\n");
  }
  const response = await handler(request);
  // A body left unread (refused early) is not drained: the connection ends after the answer.
  const unread = body !== undefined && !body.ended;
  await send(res, response, unread, writeStallMs);
}

/** The abort reason of a Request whose client closed the connection before its answer. */
export const CLIENT_GONE = "the client closed the connection";

function toRequest(
  req: IncomingMessage,
  origin: string,
  signal: AbortSignal,
  body?: ReadableStream,
): Request {
  const target = req.url ?? "/";
  if (!target.startsWith("/")) throw new TypeError("not an origin-form request target");
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return new Request(new URL(target, origin), {
    method: req.method,
    headers,
    body,
    signal,
    duplex: "half",
  } as RequestInit);
}

/** The request body as a web stream, with backpressure on the socket. */
class BodyStream {
  ended = false;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(req: IncomingMessage) {
    let finished = false;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        req.on("data", (chunk: Uint8Array) => {
          if (finished) return;
          controller.enqueue(new Uint8Array(chunk));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        });
        req.on("end", () => {
          this.ended = true;
          if (!finished) controller.close();
          finished = true;
        });
        req.on("close", () => {
          if (!finished) controller.error(new Error("the client closed the request"));
          finished = true;
        });
        req.pause();
      },
      pull: () => {
        req.resume();
      },
      cancel: () => {
        finished = true;
        req.pause();
      },
    }, { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength });
  }
}

async function send(
  res: ServerResponse,
  response: Response,
  unread: boolean,
  writeStallMs: number,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => headers[name] = value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (unread && response.status >= 400) return await refuse(res, response, headers);
  if (unread) headers["connection"] = "close";
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on("close", () => {
    // The client went away (or the stall cut it): cancel the answer stream.
    if (!res.writableFinished) reader.cancel().catch(() => {});
  });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value) && !(await drained(res, writeStallMs))) {
        res.destroy();
        return;
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** How long a refused request's connection stays open after its answer, for the client to read it. */
const REFUSED_HOLD_MS = 2_000;

async function refuse(
  res: ServerResponse,
  response: Response,
  headers: Record<string, string | string[]>,
): Promise<void> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  await answerUnread(res, response.status, headers, bytes);
}

/**
 * Answers a request whose body was left unread (413, 408, or refused before
 * it was read) without losing the answer. `node:http` closes a connection
 * whose request body is unread as soon as its response ends, and closing a
 * socket while the client's bytes sit unread makes the kernel send a reset,
 * which makes the client drop the answer it has not read yet (measured: 12
 * of 100 clients sending a 100 MiB body got no 413 at all). So the answer
 * goes out whole, with its length and `connection: close`, and the response
 * is ended (and the connection closed) only when the client closes or
 * {@link REFUSED_HOLD_MS} later. Nothing more of the body is read
 * meanwhile: the client's writes stall on a full window. The webhook's HTTPS
 * listener answers its 413 this way too.
 *
 * @param headers the answer's headers; `content-length` and `connection` are set here
 */
export async function answerUnread(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Uint8Array,
): Promise<void> {
  headers["content-length"] = String(body.byteLength);
  headers["connection"] = "close";
  res.writeHead(status, headers);
  res.write(body);
  const socket = res.socket;
  if (socket && !socket.destroyed) {
    const closed = new AbortController();
    const onClose = () => closed.abort();
    socket.once("close", onClose);
    await delay(REFUSED_HOLD_MS, closed.signal).catch(() => {});
    socket.off("close", onClose);
  }
  res.end();
}

/** True when `res` drained within `ms`; false when the client stopped reading or left. */
function drained(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain", connection: "close" });
  res.end(text);
}
