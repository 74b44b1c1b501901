/**
 * The HTTP front as one `Request → Response` handler: the routes of the
 * README's "Any MCP client over HTTP" and "Protocol revisions". Every path
 * passes {@link checkHost}; every MCP path passes {@link checkRequest} too.
 * `/mcp` and `/python/mcp` serve both revisions: the SDK's own classifier
 * (`isLegacyRequest`) sends 2025-era requests to the sessionful leg
 * (legacy.ts) and 2026-07-28 requests to the per-request leg (modern.ts);
 * `/sse` and `/messages` are the legacy SSE transport (sse.ts). Listening
 * and shutdown are http.ts's; this module never touches a socket, so it is
 * tested in-process (tests/server_handler_test.ts).
 *
 * @module
 */
import type { Readiness } from "../exec/executor.ts";
import type { ExecutionGate, GateOptions } from "../exec/gate.ts";
import type { Logger } from "../obs/log.ts";
import { httpPathLabel, type Metrics, statusLabel } from "../obs/metrics.ts";
import { quoteShort } from "../text/quote.ts";
import { isLegacyRequest, type McpServer } from "../mcp/sdk.ts";
import { admit, readJson, rpcError } from "./admission.ts";
import { AnswerStreams } from "./answers.ts";
import { type CallBudget, withBudget } from "./budget.ts";
import { type EventLimits, EventPool } from "./event_store.ts";
import { checkHost, checkRequest, type GuardOptions } from "./guard.ts";
import { type LegacyLegDeps, serveLegacy } from "./legacy.ts";
import type { IoHealth } from "./liveness.ts";
import { ModernLeg } from "./modern.ts";
import { createProbes, probePath } from "./probes.ts";
import { ResumableCalls } from "./resume.ts";
import { type Leg, type ServerKind, SessionRegistry } from "./sessions.ts";
import { SseServerTransport } from "./sse.ts";

export type { Leg, ServerKind };

/** What the handler needs. */
export interface HandlerOptions {
  guard: GuardOptions;
  /** Makes a new MCP server (for a 2025-era session, or one 2026-07-28 request). */
  createServer: (kind: ServerKind, leg: Leg) => McpServer;
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
  /**
   * How long a Streamable HTTP call whose connection dropped waits for its
   * client to resume it (`--resume-timeout`), then it is cancelled.
   */
  resumeMs: number;
  /** Bounds of the resumable events (defaults in event_store.ts). */
  events?: Partial<EventLimits>;
}

/** A handler and what its shutdown needs. */
export interface HttpHandler {
  /** Answers one request; never throws (a failure is a plain 500). */
  fetch(request: Request): Promise<Response>;
  /** Resolves when no answer stream is in flight, or after `ms`. */
  written(ms: number): Promise<void>;
  /** Closes every session and aborts the 2026-07-28 exchanges in flight. */
  close(): Promise<void>;
}

const NOT_FOUND = "not found: MCP is served at /mcp (Streamable HTTP) and /sse (legacy SSE); " +
  "the gpt-oss python server at /python/mcp and /python/sse\n";

/**
 * Makes the handler.
 *
 * @example
 * ```ts
 * const handler = createHttpHandler(options);
 * const response = await handler.fetch(new Request("http://127.0.0.1/healthz"));
 * ```
 */
export function createHttpHandler(options: HandlerOptions): HttpHandler {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const log = options.logger;
  const { metrics, gate } = options;
  const resumable = new ResumableCalls({ resumeMs: options.resumeMs, logger: log });
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
  const shared = {
    createServer: options.createServer,
    answers,
    gate,
    limits: options.limits,
    budget: options.budget,
    maxBodyBytes: maxBody,
    logger: log,
  };
  const legacy: LegacyLegDeps = {
    ...shared,
    sessions,
    pool: new EventPool(options.events),
    resumable,
    noNewSession,
  };
  const modern = new ModernLeg(shared);
  const probes = createProbes(options);

  async function streamable(request: Request, kind: ServerKind): Promise<Response> {
    if (request.method !== "POST") return await serveLegacy(legacy, request, kind);
    const parsed = await readJson(request, maxBody);
    if ("response" in parsed) return parsed.response;
    const old = await isLegacyRequest(request, parsed.body, { maxRequestBodySize: maxBody });
    if (old) return await serveLegacy(legacy, request, kind, parsed.body);
    return await modern.serve(request, kind, parsed.body);
  }

  async function sseOpen(kind: ServerKind, prefix: string): Promise<Response> {
    const refused = noNewSession();
    if (refused) return refused;
    const server = options.createServer(kind, "sse");
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
    const { limits, budget } = options;
    const admitted = await admit(request, id, gate, limits, maxBody, budget.selfTimed);
    if ("response" in admitted) return admitted.response;
    return await session.transport.handlePost(request, admitted.body);
  }

  async function dispatch(request: Request, url: URL): Promise<Response> {
    const probe = probePath(url.pathname);
    if (probe) return await probes(probe);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const prefix = path.startsWith("/python/") ? "/python" : "";
    const kind: ServerKind = prefix ? "python" : "full";
    const rest = path.slice(prefix.length);
    if (rest !== "/mcp" && rest !== "/sse" && rest !== "/messages") {
      return new Response(NOT_FOUND, { status: 404 });
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

  return {
    fetch: async (request) => {
      const url = new URL(request.url);
      let response: Response;
      try {
        response = checkHost(request) ?? await dispatch(request, url);
      } catch (error) {
        // No stack traces in responses: log them, answer plainly.
        log.error("request failed", { error });
        response = new Response("internal error\n", { status: 500 });
      }
      metrics.httpRequests.inc({
        path: httpPathLabel(url.pathname),
        status: statusLabel(response.status),
      });
      return response;
    },
    written: (ms) => answers.written(ms),
    close: async () => {
      resumable.closeAll();
      await modern.close();
      await sessions.closeAll();
    },
  };
}

function methodNotAllowed(allow: string): Response {
  return new Response(`method not allowed; use ${allow}\n`, { status: 405, headers: { allow } });
}
