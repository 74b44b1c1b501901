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
import { AnswerStreams } from "./answers.ts";
import { type CallBudget, withBudget } from "./budget.ts";
import { type EventLimits, EventPool } from "./event_store.ts";
import type { ExecutionGate, GateOptions } from "../exec/gate.ts";
import { checkHost, checkRequest, type GuardOptions } from "./guard.ts";
import { listen, type ListenOptions } from "./listen.ts";
import type { IoHealth } from "./liveness.ts";
import { cancelRequests, ResumableCalls, resumeStream } from "./resume.ts";
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";
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
  /**
   * How long a Streamable HTTP call whose connection dropped waits for its
   * client to resume it (`--resume-timeout`), then it is cancelled.
   * @default 60000
   */
  resumeMs?: number;
  /** Bounds of the resumable events (defaults in event_store.ts). */
  events?: Partial<EventLimits>;
}

/** The `retry` (ms) of the priming event: how soon a client should reconnect. */
export const SSE_RETRY_MS = 1000;

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
  const pool = new EventPool(options.events);
  const resumable = new ResumableCalls({ resumeMs: options.resumeMs ?? 60_000, logger: log });
  const answers = new AnswerStreams();
  const sessions = new SessionRegistry({
    maxSessions: options.maxSessions,
    idleMs: options.sessionIdleMs,
    busy: (id) => gate.running(id) > 0,
    onClosed: (id) => {
      resumable.closeSession(id);
      options.onSessionClosed(id);
    },
    metrics,
    logger: log,
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
      const transport = session.transport;
      const lastEventId = request.headers.get("last-event-id");
      if (request.method === "GET" && lastEventId && session.events) {
        const target = { sessionId: id, transport, events: session.events };
        return await resumeStream(request, lastEventId, target, { resumable, answers, log });
      }
      if (request.method !== "POST") return await transport.handleRequest(request);
      const admitted = await admit(
        request,
        id,
        gate,
        options.limits,
        maxBody,
        options.budget.selfTimed,
      );
      if ("response" in admitted) return admitted.response;
      const response = await transport.handleRequest(request, { parsedBody: admitted.body });
      const cancel = (reason: string) => cancelRequests(transport, admitted.body, reason);
      const events = session.events;
      let key: string | undefined;
      return answers.track(response, {
        // An event id on the stream: its client can resume it (resume.ts).
        onId: (eventId) => {
          const stream = events?.streamOf(eventId);
          if (!events || stream === undefined) return;
          key = `${id} ${stream}`;
          resumable.open(key, () => cancel(NOT_RESUMED), () => events.answered(stream));
        },
        // The client went away before its answer: wait for a resume, or
        // cancel what it asked for when it cannot resume.
        onCancel: () => key ? resumable.dropped(key) : cancel("the client closed the connection"),
        onDone: () => key && resumable.finished(key),
      });
    }
    if (request.method !== "POST") {
      return rpcError(400, -32000, "no Mcp-Session-Id header: send initialize first (POST)", null);
    }
    const refused = noNewSession();
    if (refused) return refused;
    const parsed = await readJson(request, maxBody);
    if ("response" in parsed) return parsed.response;
    const server = options.createServer(kind);
    const events = pool.createStore();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid) => {
        const labels = { server: kind, transport: "streamable" } as const;
        sessions.add(sid, { server, transport, labels, events });
      },
      onsessionclosed: (sid) => sessions.remove(sid),
      maxRequestBodySize: maxBody,
      eventStore: events,
      retryInterval: SSE_RETRY_MS,
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId);
    };
    await server.connect(withBudget(transport, options.budget));
    const response = await transport.handleRequest(request, { parsedBody: parsed.body });
    if (!transport.sessionId) {
      // Not an initialize request: nothing to keep.
      await server.close();
      events.close();
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
    const admitted = await admit(
      request,
      id,
      gate,
      options.limits,
      maxBody,
      options.budget.selfTimed,
    );
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
      await answers.written(3000);
      resumable.closeAll();
      await sessions.closeAll();
      await listener.close(3000);
    },
  }));
}

const NOT_RESUMED = "the client closed the connection and did not resume within --resume-timeout";

function methodNotAllowed(allow: string): Response {
  return new Response(`method not allowed; use ${allow}\n`, { status: 405, headers: { allow } });
}
