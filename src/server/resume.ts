/**
 * Calls whose answer stream dropped, waiting for their client to resume
 * (docs/RELIABILITY.md "Resumable calls"). A request on a Streamable HTTP
 * session whose stream carried an event id can be resumed with `GET` +
 * `Last-Event-ID`, so a dropped connection no longer cancels it; the call
 * is cancelled only when nobody resumes it within `resumeMs`. Streams
 * without an event id (older clients, legacy SSE, stdio) keep the old rule:
 * a dropped answer cancels the call at once (http.ts).
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { rpcError } from "./admission.ts";
import type { AnswerStreams } from "./answers.ts";
import type { SessionEventStore } from "./event_store.ts";
import type { Transport, WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";

/** Options of {@link ResumableCalls}. */
export interface ResumableCallsOptions {
  /** How long a dropped call waits for a resume before it is cancelled (`--resume-timeout`). */
  resumeMs: number;
  logger: Logger;
}

interface Call {
  cancel: () => void;
  answered: () => boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** The resumable calls of all sessions, keyed by session id and stream id. */
export class ResumableCalls {
  readonly #options: ResumableCallsOptions;
  readonly #calls = new Map<string, Call>();

  constructor(options: ResumableCallsOptions) {
    this.#options = options;
  }

  /** Calls waiting for a resume now. */
  get waiting(): number {
    let n = 0;
    for (const call of this.#calls.values()) if (call.timer !== undefined) n++;
    return n;
  }

  /**
   * Registers the stream of a call as resumable.
   *
   * @param cancel cancels the call's requests
   * @param answered true once the call's answer was stored (nothing left to cancel)
   */
  open(key: string, cancel: () => void, answered: () => boolean): void {
    this.#calls.set(key, { cancel, answered });
  }

  /** True when `key` is a call this registry knows. */
  has(key: string): boolean {
    return this.#calls.has(key);
  }

  /** The call's connection dropped: cancel it unless it is resumed within the bound. */
  dropped(key: string): void {
    const call = this.#calls.get(key);
    if (!call || call.timer !== undefined) return;
    if (call.answered()) return void this.#calls.delete(key);
    call.timer = setTimeout(() => {
      this.#calls.delete(key);
      if (call.answered()) return;
      this.#options.logger.warn("call not resumed: cancelled", {
        stream: key.slice(key.indexOf(" ") + 1),
        resume_timeout_s: this.#options.resumeMs / 1000,
      });
      call.cancel();
    }, this.#options.resumeMs);
  }

  /** A client resumed the call's stream: it runs on. Returns true if it was waiting. */
  resumed(key: string): boolean {
    const call = this.#calls.get(key);
    if (call?.timer === undefined) return false;
    clearTimeout(call.timer);
    call.timer = undefined;
    return true;
  }

  /** The call's stream ended with its answer: forget it. */
  finished(key: string): void {
    const call = this.#calls.get(key);
    if (call) clearTimeout(call.timer);
    this.#calls.delete(key);
  }

  /** Forgets the calls of a closed session (its requests end with it). */
  closeSession(sessionId: string): void {
    for (const key of [...this.#calls.keys()]) {
      if (key.startsWith(`${sessionId} `)) this.finished(key);
    }
  }

  /** Forgets every call and stops every timer. */
  closeAll(): void {
    for (const key of [...this.#calls.keys()]) this.finished(key);
  }
}

/**
 * Cancels the requests of a POST body as if its client had sent
 * `notifications/cancelled` for each: a client that drops a stream it
 * cannot resume still means it (the SDK ignores ids that already finished).
 */
export function cancelRequests(transport: Transport, body: unknown, reason: string): void {
  const ids = (Array.isArray(body) ? body : [body])
    .filter((m) => m && typeof m === "object" && "method" in m && "id" in m)
    .map((m) => (m as { id: string | number }).id);
  for (const requestId of ids) {
    transport.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId, reason },
    });
  }
}

/** The session a resume is for. */
export interface ResumeTarget {
  sessionId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  events: SessionEventStore;
}

/** What {@link resumeStream} reports to. */
export interface ResumeDeps {
  resumable: ResumableCalls;
  answers: AnswerStreams;
  log: Logger;
}

/**
 * Answers `GET` + `Last-Event-ID`: replays what the client missed, then the
 * call's stream goes on (the SDK's transport replays and re-attaches it). A
 * resume that would miss dropped events gets a 400 that says so.
 */
export async function resumeStream(
  request: Request,
  lastEventId: string,
  target: ResumeTarget,
  deps: ResumeDeps,
): Promise<Response> {
  const { sessionId, transport, events } = target;
  const { resumable, answers, log } = deps;
  const problem = events.check(lastEventId);
  if (problem) return rpcError(400, -32000, problem, null);
  const stream = events.streamOf(lastEventId)!;
  const key = `${sessionId} ${stream}`;
  const accepts = request.headers.get("accept")?.includes("text/event-stream");
  if (accepts && events.answered(stream)) {
    resumable.finished(key);
    return await replayFinished(events, lastEventId, sessionId);
  }
  const waited = resumable.resumed(key);
  const response = await transport.handleRequest(request);
  if (!response.ok) {
    if (waited) resumable.dropped(key);
    return response;
  }
  log.info("call resumed", { session: sessionId, stream });
  return answers.track(response, {
    onCancel: () => resumable.dropped(key),
    onDone: () => resumable.finished(key),
  });
}

/**
 * The answer to a resume of a stream whose call already answered: the kept
 * events after `lastEventId`, then the end of the stream (the SDK would
 * replay them too, but keep the stream open with nothing left to send).
 */
async function replayFinished(
  store: SessionEventStore,
  lastEventId: string,
  sessionId: string,
): Promise<Response> {
  const events: string[] = [];
  await store.replayEventsAfter(lastEventId, {
    send: (id, message) => {
      events.push(`event: message\nid: ${id}\ndata: ${JSON.stringify(message)}\n\n`);
      return Promise.resolve();
    },
  });
  return new Response(events.join(""), {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "mcp-session-id": sessionId,
    },
  });
}
