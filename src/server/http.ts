/**
 * The HTTP front: the routes of the README's "Any MCP client over HTTP" as
 * one `Request → Response` handler on the listener of listen.ts (header,
 * request and write timeouts, a connection cap). Every path passes
 * {@link checkHost}; every MCP path passes {@link checkRequest} too.
 *
 * @module
 */
import type { Readiness } from "../exec/executor.ts";
import type { Logger } from "../obs/log.ts";
import { httpPathLabel, type Metrics, METRICS_CONTENT_TYPE, statusLabel } from "../obs/metrics.ts";
import { quoteShort } from "../text/quote.ts";
import { admit, readJson, rpcError } from "./admission.ts";
import { type CallBudget, withBudget } from "./budget.ts";
import type { ExecutionGate, GateOptions } from "./gate.ts";
import { checkHost, checkRequest, type GuardOptions } from "./guard.ts";
import { listen, type ListenOptions } from "./listen.ts";
import type { IoHealth } from "./liveness.ts";
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "./sdk.ts";
import { type ServerKind, SessionRegistry } from "./sessions.ts";
import { SseServerTransport } from "./sse.ts";

export type { ServerKind };

/** What the HTTP front needs. */
export interface HttpOptions {
  hostname: string;
  port: number;
  guard: GuardOptions;
  /** Makes a new MCP server for a new session. */
  createServer: (kind: ServerKind) => McpServer;
  /** Called when an MCP session ends, with its id. */
  onSessionClosed: (sessionId: string) => void;
  /** Named readiness checks for `/readyz`. */
  readiness: () => Promise<Record<string, Readiness>>;
  logger: Logger;
  metrics: Metrics;
  /** Admission of executions; shared with the tools. */
  gate: ExecutionGate;
  limits: GateOptions;
  maxSessions: number;
  sessionIdleMs: number;
  /** Largest request body. @default 4 MiB */
  maxBodyBytes?: number;
  /** What `/healthz` checks besides answering at all (the file-I/O pool). */
  liveness?: () => Promise<IoHealth>;
  /** Time budget of every request (budget.ts). */
  budget: CallBudget;
  /** Connection limits and timeouts of the listener (defaults in listen.ts). */
  connections?: Omit<ListenOptions, "hostname" | "port" | "onError">;
}

/** A running HTTP front. */
export interface HttpFront {
  /** The bound port (useful with `--port 0`). */
  port: number;
  /** Stops accepting, closes every session. */
  shutdown(): Promise<void>;
}

/** Starts the HTTP front. */
export function startHttp(options: HttpOptions): Promise<HttpFront> {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const log = options.logger;
  const { metrics, gate } = options;
  const sessions = new SessionRegistry({
    maxSessions: options.maxSessions,
    idleMs: options.sessionIdleMs,
    busy: (id) => gate.running(id) > 0,
    onClosed: options.onSessionClosed,
    metrics,
    logger: log,
  });

  // Streamed POST answers still being written; shutdown waits for them.
  let pendingAnswers = 0;
  let answersDone: (() => void) | undefined;
  const track = (response: Response, onCancel?: () => void): Response => {
    if (!response.body || !response.headers.get("content-type")?.includes("event-stream")) {
      return response;
    }
    pendingAnswers++;
    const done = () => {
      pendingAnswers--;
      if (pendingAnswers === 0) answersDone?.();
    };
    const cancel = () => {
      done();
      onCancel?.();
    };
    const body = response.body.pipeThrough(
      new TransformStream({ flush: done, cancel } as Transformer & { cancel: () => void }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const answersWritten = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pendingAnswers === 0) return resolve();
      const timer = setTimeout(resolve, ms);
      answersDone = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** 503 when no new session may open (cap reached, or shutting down). */
  const noNewSession = (): Response | undefined => {
    if (!gate.draining && !sessions.full) return undefined;
    const why = gate.draining
      ? "sidekernel is shutting down"
      : `${options.maxSessions} MCP sessions are open (--max-sessions)`;
    const response = rpcError(503, -32000, `${why}; try again shortly`, null);
    response.headers.set("retry-after", "5");
    return response;
  };

  async function streamable(request: Request, kind: ServerKind): Promise<Response> {
    const id = request.headers.get("mcp-session-id");
    if (id) {
      const session = sessions.get(id);
      if (!session || !(session.transport instanceof WebStandardStreamableHTTPServerTransport)) {
        return rpcError(
          404,
          -32001,
          `session ${quoteShort(id)} not found; start a new one with initialize`,
          null,
        );
      }
      if (request.method !== "POST") return await session.transport.handleRequest(request);
      const admitted = await admit(request, id, gate, options.limits, maxBody);
      if ("response" in admitted) return admitted.response;
      const transport = session.transport;
      const response = await transport.handleRequest(request, { parsedBody: admitted.body });
      // The client went away before its answer: cancel what it asked for.
      return track(response, () => cancelRequests(transport, admitted.body));
    }
    if (request.method !== "POST") {
      return rpcError(400, -32000, "no Mcp-Session-Id header: send initialize first (POST)", null);
    }
    const refused = noNewSession();
    if (refused) return refused;
    const parsed = await readJson(request, maxBody);
    if ("response" in parsed) return parsed.response;
    const server = options.createServer(kind);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.add(sid, { server, transport, labels: { server: kind, transport: "streamable" } });
      },
      onsessionclosed: (sid) => sessions.remove(sid),
      maxRequestBodySize: maxBody,
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId);
    };
    await server.connect(withBudget(transport, options.budget));
    const response = await transport.handleRequest(request, { parsedBody: parsed.body });
    if (!transport.sessionId) {
      // Not an initialize request: nothing to keep.
      await server.close();
    }
    return response;
  }

  async function sseOpen(kind: ServerKind, prefix: string): Promise<Response> {
    const refused = noNewSession();
    if (refused) return refused;
    const server = options.createServer(kind);
    const transport = new SseServerTransport({
      endpoint: `${prefix}/messages`,
      maxBodyBytes: maxBody,
    });
    sessions.add(transport.sessionId, {
      server,
      transport,
      labels: { server: kind, transport: "sse" },
    });
    transport.onclose = () => sessions.remove(transport.sessionId);
    await server.connect(withBudget(transport, options.budget));
    return transport.response;
  }

  async function ssePost(request: Request, url: URL): Promise<Response> {
    const id = url.searchParams.get("sessionId") ?? "";
    const session = sessions.get(id);
    if (!session || !(session.transport instanceof SseServerTransport)) {
      return new Response(
        `SSE session ${quoteShort(id)} not found; open ${
          url.pathname.replace(/messages$/, "sse")
        } first`,
        { status: 404 },
      );
    }
    const admitted = await admit(request, id, gate, options.limits, maxBody);
    if ("response" in admitted) return admitted.response;
    return await session.transport.handlePost(request, admitted.body);
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const response = checkHost(request) ?? await dispatch(request, url);
    metrics.httpRequests.inc({
      path: httpPathLabel(url.pathname),
      status: statusLabel(response.status),
    });
    return response;
  }

  async function dispatch(request: Request, url: URL): Promise<Response> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (path === "/healthz") return await healthz();
    if (path === "/metrics") {
      return new Response(metrics.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    }
    if (path === "/readyz") return await ready();
    const prefix = path.startsWith("/python/") ? "/python" : "";
    const kind: ServerKind = prefix ? "python" : "full";
    const rest = path.slice(prefix.length);
    if (rest !== "/mcp" && rest !== "/sse" && rest !== "/messages") {
      return new Response(
        "not found: MCP is served at /mcp (Streamable HTTP) and /sse (legacy SSE); " +
          "the gpt-oss python server at /python/mcp and /python/sse\n",
        { status: 404 },
      );
    }
    const refused = checkRequest(request, options.guard);
    if (refused) {
      log.warn("request refused", { path, status: refused.status });
      return refused;
    }
    if (rest === "/mcp") return await streamable(request, kind);
    if (rest === "/sse") {
      if (request.method !== "GET") return methodNotAllowed("GET");
      return await sseOpen(kind, prefix);
    }
    if (request.method !== "POST") return methodNotAllowed("POST");
    return await ssePost(request, url);
  }

  async function healthz(): Promise<Response> {
    const io = await options.liveness?.();
    if (!io || io.ok) return new Response("ok\n");
    log.error("liveness check failed", { reason: io.message });
    return new Response(`not live: ${io.message}\n`, { status: 503 });
  }

  async function ready(): Promise<Response> {
    const checks = await options.readiness();
    const ok = Object.values(checks).every((c) => c.ok);
    return new Response(JSON.stringify({ ok, checks }, null, 2) + "\n", {
      status: ok ? 200 : 503,
      headers: { "content-type": "application/json" },
    });
  }

  return listen(async (request) => {
    try {
      return await route(request);
    } catch (error) {
      // No stack traces in responses: log them, answer plainly.
      log.error("request failed", { error });
      return new Response("internal error\n", { status: 500 });
    }
  }, {
    ...options.connections,
    hostname: options.hostname,
    port: options.port,
    onError: (error) => log.error("HTTP connection failed", { error }),
  }).then((listener) => ({
    port: listener.port,
    shutdown: async () => {
      // Let answers in flight reach their clients, then close the sessions:
      // open SSE streams would keep the listener open.
      await answersWritten(3000);
      await sessions.closeAll();
      await listener.close(3000);
    },
  }));
}

/**
 * A client that drops its POST without `notifications/cancelled` still means
 * it: the requests of that POST are cancelled as if it had sent one (the SDK
 * ignores ids that already finished).
 */
function cancelRequests(transport: WebStandardStreamableHTTPServerTransport, body: unknown): void {
  const ids = (Array.isArray(body) ? body : [body])
    .filter((m) => m && typeof m === "object" && "method" in m && "id" in m)
    .map((m) => (m as { id: string | number }).id);
  for (const requestId of ids) {
    transport.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId, reason: "the client closed the connection" },
    });
  }
}

function methodNotAllowed(allow: string): Response {
  return new Response(`method not allowed; use ${allow}\n`, { status: 405, headers: { allow } });
}
