/**
 * The 2026-07-28 leg of `/mcp` and `/python/mcp`: no `initialize`, no
 * session; every request carries its revision and client capabilities in
 * `_meta` and is served by a fresh McpServer from the SDK's
 * `createMcpHandler` (one handler per server kind; 2025-era requests never
 * reach it, legacy.ts serves them). It gets what the 2025-era leg gets: the
 * guard (before routing), the execution gate for python calls, metrics and
 * the `--call-timeout` budget.
 *
 * The SDK binds a server to the 2026-07-28 era by the type of its
 * transport, so the budget cannot wrap the transport here (budget.ts does
 * that on the other legs): it runs around the exchange instead. A request
 * over budget is answered as on the other legs, and the exchange is aborted
 * through the signal of the Request the SDK sees, which cancels the handler.
 *
 * @module
 */
import type { ExecutionGate, GateOptions } from "../exec/gate.ts";
import type { Logger } from "../obs/log.ts";
import { createMcpHandler, type McpHttpHandler, type McpServer } from "../mcp/sdk.ts";
import { admitBody } from "./admission.ts";
import type { AnswerStreams } from "./answers.ts";
import { budgetReason, type CallBudget, overBudgetAnswer, type RequestId } from "./budget.ts";
import type { Leg, ServerKind } from "./sessions.ts";

/** What the 2026-07-28 leg needs. */
export interface ModernLegDeps {
  createServer: (kind: ServerKind, leg: Leg) => McpServer;
  answers: AnswerStreams;
  gate: ExecutionGate;
  limits: GateOptions;
  budget: CallBudget;
  maxBodyBytes: number;
  logger: Logger;
}

/** A request the budget watches. */
interface Watched {
  id: RequestId;
  method: string;
  params?: { name?: unknown; uri?: unknown };
}

const encoder = new TextEncoder();

/** The 2026-07-28 leg: one SDK handler per server kind. */
export class ModernLeg {
  readonly #deps: ModernLegDeps;
  readonly #handlers = new Map<ServerKind, McpHttpHandler>();

  constructor(deps: ModernLegDeps) {
    this.#deps = deps;
  }

  /**
   * Serves one 2026-07-28 request.
   *
   * @param body the POST body, already read and parsed
   */
  async serve(request: Request, kind: ServerKind, body: unknown): Promise<Response> {
    const { gate, limits, budget, answers } = this.#deps;
    // No session: such requests share the anonymous key, as stdio does.
    const refused = admitBody(body, "", gate, limits, budget.selfTimed);
    if (refused) return refused;
    const handler = this.#handler(kind);
    const watched = watchedOf(body, budget.selfTimed);
    if (!watched) return answers.track(await handler.fetch(request, { parsedBody: body }));
    return await this.#withinBudget(request, body, handler, watched);
  }

  /** Aborts the exchanges in flight and closes their servers. */
  async close(): Promise<void> {
    await Promise.all([...this.#handlers.values()].map((h) => h.close().catch(() => {})));
    this.#handlers.clear();
  }

  #handler(kind: ServerKind): McpHttpHandler {
    let handler = this.#handlers.get(kind);
    if (!handler) {
      handler = createMcpHandler(() => this.#deps.createServer(kind, "modern"), {
        legacy: "reject",
        maxRequestBodySize: this.#deps.maxBodyBytes,
        onerror: (error) => this.#deps.logger.debug("2026-07-28 request refused", { error }),
      });
      this.#handlers.set(kind, handler);
    }
    return handler;
  }

  async #withinBudget(
    request: Request,
    body: unknown,
    handler: McpHttpHandler,
    watched: Watched,
  ): Promise<Response> {
    const { budget, answers } = this.#deps;
    const controller = new AbortController();
    // The SDK reads only the headers and the signal: the body is parsed already.
    const exchange = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      // Over budget, or the client left before its answer (listen.ts): either ends the exchange.
      signal: AbortSignal.any([controller.signal, request.signal]),
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), budget.ms);
    });
    const expire = () => {
      budget.logger.warn("request over its time budget", {
        method: watched.method,
        id: watched.id,
        budget_s: budget.ms / 1000,
      });
      controller.abort(budgetReason(budget.ms));
    };
    const pending = handler.fetch(exchange, { parsedBody: body });
    const first = await Promise.race([pending, expired]);
    const answer = () => overBudgetAnswer(watched.id, watched.method, watched.params, budget.ms);
    if (first === "expired") {
      pending.catch(() => {});
      expire();
      return new Response(JSON.stringify(answer()), {
        headers: { "content-type": "application/json" },
      });
    }
    if (!first.body || !first.headers.get("content-type")?.includes("event-stream")) {
      clearTimeout(timer);
      return first;
    }
    // The answer streams (progress came first): the budget runs on over the stream.
    const event = () => encoder.encode(`event: message\ndata: ${JSON.stringify(answer())}\n\n`);
    const cut = cutOff(first, expired, event, expire);
    return answers.track(cut, {
      onCancel: () => {
        clearTimeout(timer);
        controller.abort("the client closed the connection");
      },
      onDone: () => clearTimeout(timer),
    });
  }
}

/** The request in `body` that the budget watches: any request but a self-timed tool's call. */
function watchedOf(body: unknown, selfTimed: ReadonlySet<string>): Watched | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const m = body as { id?: unknown; method?: unknown; params?: Watched["params"] };
  if (typeof m.method !== "string") return undefined;
  if (typeof m.id !== "string" && typeof m.id !== "number") return undefined;
  if (m.method === "tools/call" && selfTimed.has(String(m.params?.name))) return undefined;
  return { id: m.id, method: m.method, params: m.params };
}

/**
 * The SSE `response`, ended early with `last()` as its final event when
 * `expired` resolves first (then `onCut` aborts the exchange).
 */
function cutOff(
  response: Response,
  expired: Promise<unknown>,
  last: () => Uint8Array,
  onCut: () => void,
): Response {
  const reader = response.body!.getReader();
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      void expired.then(() => {
        if (done) return;
        done = true;
        controller.enqueue(last());
        controller.close();
        reader.cancel().catch(() => {});
        onCut();
      });
    },
    async pull(controller) {
      const next = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      if (next.done || next.value === undefined) {
        done = true;
        controller.close();
        return;
      }
      controller.enqueue(next.value);
    },
    cancel(reason) {
      done = true;
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
