/**
 * The webhook's HTTPS listener: `node:https`, because its TLS context can be
 * replaced while it runs (`setSecureContext`: new connections get the new
 * certificate, open ones finish on the old), which `Deno.serve` cannot do.
 * Every connection sets TCP_NODELAY, so an answer never waits for a delayed
 * ACK. It carries bytes to and from a {@link Handler}; nothing else.
 *
 * @module
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../obs/log.ts";
import { answerUnread } from "../server/listen.ts";
import type { CertPair } from "./certs.ts";
import type { Handler } from "./handler.ts";
import { MAX_REVIEW_BYTES } from "./handler.ts";

/** What {@link listenHttps} needs. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  pair: CertPair;
  handler: Handler;
  logger: Logger;
  /** Request bodies past this many bytes get 413 (default {@link MAX_REVIEW_BYTES}). */
  maxBytes?: number;
}

/** A running listener. */
export interface HttpsListener {
  /** The bound port. */
  readonly port: number;
  /** e.g. `https://0.0.0.0:8443`. */
  readonly url: string;
  /** Serves `pair` on every connection opened from now on. */
  setCertificate(pair: CertPair): void;
  /**
   * Stops accepting, lets requests in flight finish, closes idle keep-alive
   * connections, and after `graceMs` closes whatever is left.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Starts the HTTPS listener.
 *
 * @throws the listen error (e.g. `EADDRINUSE`, or a permission refusal)
 */
export async function listenHttps(options: ListenOptions): Promise<HttpsListener> {
  const { logger, handler } = options;
  const maxBytes = options.maxBytes ?? MAX_REVIEW_BYTES;
  const sockets = new Set<Socket>();
  const server: Server = createServer({
    cert: options.pair.cert,
    key: options.pair.key,
    minVersion: "TLSv1.2",
    noDelay: true,
    // A client that trickles its headers or body is cut off long before the API server's 30 s.
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    keepAliveTimeout: 60_000,
  });
  server.on("secureConnection", (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error: Error) => {
    logger.debug("TLS handshake failed", { error: error.message });
  });
  server.on("clientError", (error: Error, socket: Socket) => {
    logger.debug("malformed HTTP request", { error: error.message });
    refuseMalformed(socket);
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serveOne(req, res, handler, maxBytes, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error: Error) => logger.error("listener error", { error }));
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    port,
    url: `https://${host}:${port}`,
    setCertificate(pair) {
      server.setSecureContext({ cert: pair.cert, key: pair.key });
    },
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) =>
        timer = setTimeout(() => resolve("late"), graceMs)
      );
      const result = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (result === "late") {
        logger.warn("closing connections still open after the grace period", {
          connections: sockets.size,
          graceMs,
        });
        for (const socket of sockets) socket.destroy();
        await closed;
      }
    },
  };
}

const MALFORMED_BODY = "sidekernel webhook: malformed HTTP request\n";

/**
 * Answers a request the HTTP parser refused with a 400 and closes the
 * connection gracefully: `end`, not `destroy`, so the answer is flushed
 * before the FIN instead of being lost to a reset.
 */
function refuseMalformed(socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n" +
      `content-length: ${MALFORMED_BODY.length}\r\n\r\n${MALFORMED_BODY}`,
  );
  setTimeout(() => socket.destroy(), 1_000).unref?.();
}

async function serveOne(
  req: IncomingMessage,
  res: ServerResponse,
  handler: Handler,
  maxBytes: number,
  logger: Logger,
): Promise<void> {
  try {
    const read = await readBody(req, maxBytes);
    if (read === "too large") {
      // Answered whole and held open, never destroyed at once: closing while the client's
      // bytes sit unread resets the connection and the client loses the 413 (src/server/listen.ts).
      const text = `sidekernel webhook: the request body is over ${maxBytes} bytes\n`;
      const head = { "content-type": "text/plain; charset=utf-8" };
      await answerUnread(res, 413, head, new TextEncoder().encode(text));
      return;
    }
    if (read === "gone") {
      // Nobody to answer; not the webhook's failure, so not an error in its log.
      logger.debug("the client closed the connection before its body ended");
      res.destroy();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    const method = req.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? undefined : read;
    // The Host header is the client's to choose; only the path is read.
    const request = new Request(new URL(req.url ?? "/", "https://webhook.invalid"), {
      method,
      headers,
      body,
    });
    const response = await handler(request);
    const out = new Uint8Array(await response.arrayBuffer());
    const head: Record<string, string> = {};
    response.headers.forEach((value, name) => head[name] = value);
    head["content-length"] = String(out.byteLength);
    res.writeHead(response.status, head);
    res.end(method === "HEAD" ? undefined : out);
  } catch (error) {
    logger.error("request failed", { error });
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("sidekernel webhook: internal error; see its log\n");
    } else {
      res.destroy();
    }
  }
}

/**
 * Reads the request body, or stops reading at the first byte past
 * `maxBytes` (at once when `Content-Length` says so) and leaves the rest
 * unread: the stream is paused, not destroyed, so the answer can still go out.
 * `"gone"` when the client closed the connection before the body ended.
 */
function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | "too large" | "gone"> {
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) return Promise.resolve("too large");
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        done();
        req.pause();
        resolve("too large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      // node:http reports a connection closed mid-body as an "aborted" error.
      if ((error as { code?: string }).code === "ECONNRESET" || req.socket?.destroyed) {
        resolve("gone");
      } else reject(error);
    };
    const onClose = () => {
      done();
      resolve("gone");
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
