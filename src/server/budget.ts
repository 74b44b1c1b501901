/**
 * The time budget of every MCP request (`--call-timeout`, README "Limits"):
 * a transport wrapper between a session's transport and its McpServer. When
 * a request has not been answered within the budget, the client gets a clear
 * answer at once — a tool call an error result, any other request a JSON-RPC
 * error — and the server side gets `notifications/cancelled`, which aborts
 * the handler's signal (the pod tools pass it to their API calls) and makes
 * the SDK drop the handler's late answer. Tools that keep their own clock
 * (python, with `--timeout` and interrupts) are left out.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { quoteShort } from "../text/quote.ts";
import { OUTCOME_META } from "../tools/tool.ts";
import {
  isJSONRPCRequest,
  type JSONRPCMessage,
  REQUEST_TIMEOUT,
  type Transport,
  type TransportSendOptions,
} from "../mcp/sdk.ts";

/** The budget of one server's requests. */
export interface CallBudget {
  /** Time a request may take. */
  ms: number;
  /**
   * Tools that execute code and bound their own time (not budgeted):
   * `executingToolNames()` of the served tools (src/tools/tool.ts). The HTTP
   * front also checks their calls against the execution gate.
   */
  selfTimed: ReadonlySet<string>;
  logger: Logger;
}

/** The cancellation reason a budgeted handler's signal carries. */
export const BUDGET_REASON_PREFIX = "time budget exceeded";

/** True when an abort reason is this module's (so logs say "timeout", not "cancelled"). */
export function isBudgetAbort(reason: unknown): boolean {
  return typeof reason === "string" && reason.startsWith(BUDGET_REASON_PREFIX);
}

/** A JSON-RPC request id. */
export type RequestId = string | number;

/**
 * Wraps `inner` so every request it delivers is answered within `budget.ms`.
 *
 * @example
 * ```ts
 * await server.connect(withBudget(transport, { ms: 30_000, selfTimed: new Set(["python"]), logger }));
 * ```
 */
export function withBudget(inner: Transport, budget: CallBudget): Transport {
  return new BudgetedTransport(inner, budget);
}

class BudgetedTransport implements Transport {
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  onmessage?: Transport["onmessage"];
  readonly #inner: Transport;
  readonly #budget: CallBudget;
  readonly #timers = new Map<RequestId, ReturnType<typeof setTimeout>>();
  readonly #expired = new Set<RequestId>();

  constructor(inner: Transport, budget: CallBudget) {
    this.#inner = inner;
    this.#budget = budget;
    const closed = inner.onclose;
    inner.onclose = () => {
      this.#clear();
      closed?.();
      this.onclose?.();
    };
    const failed = inner.onerror;
    inner.onerror = (error) => {
      failed?.(error);
      this.onerror?.(error);
    };
    inner.onmessage = (message, extra) => {
      this.#watch(message);
      this.onmessage?.(message, extra);
    };
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.#inner.setSupportedProtocolVersions?.(versions);
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ("id" in message && !("method" in message) && message.id !== undefined) {
      const id = message.id as RequestId;
      if (this.#expired.delete(id)) return Promise.resolve();
      clearTimeout(this.#timers.get(id));
      this.#timers.delete(id);
    }
    return this.#inner.send(message, options);
  }

  close(): Promise<void> {
    this.#clear();
    return this.#inner.close();
  }

  #clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #watch(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message)) {
      const params = message.params as { name?: unknown; uri?: unknown } | undefined;
      if (message.method === "tools/call" && this.#budget.selfTimed.has(String(params?.name))) {
        return;
      }
      const id = message.id;
      this.#timers.set(
        id,
        setTimeout(() => this.#expire(id, message.method, params), this.#budget.ms),
      );
    } else if ("method" in message && message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) {
        clearTimeout(this.#timers.get(id));
        this.#timers.delete(id);
      }
    }
  }

  #expire(id: RequestId, method: string, params?: { name?: unknown; uri?: unknown }): void {
    this.#timers.delete(id);
    this.#expired.add(id);
    setTimeout(() => this.#expired.delete(id), 60_000);
    const seconds = this.#budget.ms / 1000;
    this.#budget.logger.warn("request over its time budget", { method, id, budget_s: seconds });
    const answer = overBudgetAnswer(id, method, params, this.#budget.ms);
    this.#inner.send(answer, { relatedRequestId: id }).catch(() => {});
    // Abort the handler; the SDK then drops its late answer.
    this.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, reason: budgetReason(this.#budget.ms) },
    });
  }
}

/** The abort reason of a request over a budget of `ms` (see {@link isBudgetAbort}). */
export function budgetReason(ms: number): string {
  return `${BUDGET_REASON_PREFIX}: ${ms / 1000} s`;
}

/**
 * The answer a client gets when its request did not finish within `ms`
 * (`--call-timeout`): a tool call an error result naming the tool and the
 * flag, any other request a JSON-RPC error naming the method.
 */
export function overBudgetAnswer(
  id: RequestId,
  method: string,
  params: { name?: unknown; uri?: unknown } | undefined,
  ms: number,
): JSONRPCMessage {
  const seconds = ms / 1000;
  const what = method === "tools/call"
    ? `the ${quoteShort(String(params?.name), 40)} call`
    : `${method}${typeof params?.uri === "string" ? ` of ${quoteShort(params.uri)}` : ""}`;
  const text = `${what} did not finish within ${seconds} s (--call-timeout) and was ` +
    `cancelled. Try again, ask for less (e.g. fewer log lines), or raise --call-timeout.`;
  return method === "tools/call"
    ? {
      jsonrpc: "2.0",
      id,
      result: {
        content: [{ type: "text", text }],
        isError: true,
        _meta: { [OUTCOME_META]: "timeout" },
      },
    }
    : { jsonrpc: "2.0", id, error: { code: REQUEST_TIMEOUT, message: text } };
}
