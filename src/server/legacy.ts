/**
 * The 2025-era leg of `/mcp` and `/python/mcp`: sessionful Streamable HTTP
 * (MCP 2025-11-25 and older). `initialize` opens a session (`Mcp-Session-Id`)
 * with its own McpServer and bounded event store; its answer streams carry
 * event ids and `retry`, so a client whose connection drops resumes with
 * `GET` + `Last-Event-ID` (resume.ts) instead of losing the call
 * (docs/RELIABILITY.md "Resumable calls").
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { quoteShort } from "../text/quote.ts";
import type { ExecutionGate, GateOptions } from "../exec/gate.ts";
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";
import { admitBody, rpcError } from "./admission.ts";
import type { AnswerStreams } from "./answers.ts";
import { type CallBudget, withBudget } from "./budget.ts";
import type { EventPool } from "./event_store.ts";
import { cancelRequests, type ResumableCalls, resumeStream } from "./resume.ts";
import type { Leg, ServerKind, SessionRegistry } from "./sessions.ts";

/** The `retry` (ms) of the priming event: how soon a client should reconnect. */
export const SSE_RETRY_MS = 1000;

/** What the 2025-era leg needs; shared with the rest of the HTTP handler. */
export interface LegacyLegDeps {
  createServer: (kind: ServerKind, leg: Leg) => McpServer;
  sessions: SessionRegistry;
  pool: EventPool;
  resumable: ResumableCalls;
  answers: AnswerStreams;
  gate: ExecutionGate;
  limits: GateOptions;
  budget: CallBudget;
  maxBodyBytes: number;
  /** 503 when no new session may open now, else undefined. */
  noNewSession: () => Response | undefined;
  logger: Logger;
}

const NOT_RESUMED = "the client closed the connection and did not resume within --resume-timeout";

/**
 * Serves one 2025-era request on `/mcp` or `/python/mcp`.
 *
 * @param body the POST body, already read and parsed (absent for GET and DELETE)
 */
export async function serveLegacy(
  deps: LegacyLegDeps,
  request: Request,
  kind: ServerKind,
  body?: unknown,
): Promise<Response> {
  const id = request.headers.get("mcp-session-id");
  if (id) return await serveSession(deps, request, id, body);
  if (request.method !== "POST") {
    return rpcError(400, -32000, "no Mcp-Session-Id header: send initialize first (POST)", null);
  }
  const refused = deps.noNewSession();
  if (refused) return refused;
  const server = deps.createServer(kind, "streamable");
  const events = deps.pool.createStore();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (sid) => {
      const labels = { server: kind, transport: "streamable" } as const;
      deps.sessions.add(sid, { server, transport, labels, events });
    },
    onsessionclosed: (sid) => deps.sessions.remove(sid),
    maxRequestBodySize: deps.maxBodyBytes,
    eventStore: events,
    retryInterval: SSE_RETRY_MS,
  });
  transport.onclose = () => {
    if (transport.sessionId) deps.sessions.remove(transport.sessionId);
  };
  await server.connect(withBudget(transport, deps.budget));
  const response = await transport.handleRequest(request, { parsedBody: body });
  if (!transport.sessionId) {
    // Not an initialize request: nothing to keep.
    await server.close();
    events.close();
  }
  return response;
}

async function serveSession(
  deps: LegacyLegDeps,
  request: Request,
  id: string,
  body: unknown,
): Promise<Response> {
  const { sessions, resumable, answers } = deps;
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
    return await resumeStream(request, lastEventId, target, {
      resumable,
      answers,
      log: deps.logger,
    });
  }
  if (request.method !== "POST") return await transport.handleRequest(request);
  const refused = admitBody(body, id, deps.gate, deps.limits, deps.budget.selfTimed);
  if (refused) return refused;
  const response = await transport.handleRequest(request, { parsedBody: body });
  const cancel = (reason: string) => cancelRequests(transport, body, reason);
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
