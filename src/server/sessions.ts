/**
 * The open MCP sessions of the HTTP front: a registry with a cap, idle
 * expiry, and the sessions gauge.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import type { Metrics } from "../obs/metrics.ts";
import type { SessionEventStore } from "./event_store.ts";
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";
import type { SseServerTransport } from "./sse.ts";

/** Which MCP server a path serves. */
export type ServerKind = "full" | "python";

/**
 * Which leg a server is made for: a 2025-era Streamable HTTP session, one
 * 2026-07-28 request, or a legacy SSE session (README "Protocol revisions").
 */
export type Leg = "streamable" | "modern" | "sse";

/** One open MCP session. */
export interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport | SseServerTransport;
  labels: { server: ServerKind; transport: "streamable" | "sse" };
  /** The events its client may resume from (Streamable HTTP only). */
  events?: SessionEventStore;
}

/** Options of {@link SessionRegistry}. */
export interface SessionRegistryOptions {
  maxSessions: number;
  idleMs: number;
  /** True while the session runs an execution (never expired then). */
  busy: (id: string) => boolean;
  onClosed: (id: string) => void;
  metrics: Metrics;
  logger: Logger;
}

/** Open sessions by id. */
export class SessionRegistry {
  readonly #options: SessionRegistryOptions;
  readonly #sessions = new Map<string, Session & { seen: number }>();
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
    const every = Math.min(30_000, Math.max(1000, options.idleMs / 4));
    this.#sweeper = setInterval(() => this.#expire(), every);
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** True when no session may be added now. */
  get full(): boolean {
    return this.#sessions.size >= this.#options.maxSessions;
  }

  add(id: string, session: Session): void {
    this.#sessions.set(id, { ...session, seen: Date.now() });
    this.#options.metrics.mcpSessions.inc(session.labels);
  }

  /** The session, marked as just used. */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session) session.seen = Date.now();
    return session;
  }

  /** Forgets a session (its transport closed). */
  remove(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.events?.close();
    this.#options.metrics.mcpSessions.dec(session.labels);
    this.#options.onClosed(id);
  }

  /** Closes every session and stops expiry. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const [id, session] of [...this.#sessions]) {
      await session.server.close().catch(() => {});
      this.remove(id);
    }
  }

  #expire(): void {
    const limit = Date.now() - this.#options.idleMs;
    for (const [id, session] of [...this.#sessions]) {
      if (session.seen > limit || this.#options.busy(id)) continue;
      this.#options.logger.info("MCP session expired", { session: id });
      void session.server.close().catch(() => {});
      this.remove(id);
    }
  }
}
