/**
 * The bounded in-memory event store behind resumable Streamable HTTP calls
 * (README "Operating it", docs/RELIABILITY.md "Resumable calls"). The SDK's
 * transport stores every SSE event it writes on `/mcp` and `/python/mcp`
 * here and gets an event id back; a client whose connection dropped sends
 * `GET` with `Last-Event-ID` and is replayed what came after it.
 *
 * One {@link EventPool} per process holds every session's events and
 * bounds them twice, by count and by size (the length of each message's
 * JSON text): per session and in total. Past
 * a bound the oldest events go first (of the session, or of all sessions).
 * A resume that would miss a dropped event is refused with a clear answer
 * ({@link SessionEventStore.check}) instead of replaying a gap.
 *
 * @module
 */
import type { EventStore, JSONRPCMessage } from "../mcp/sdk.ts";

/** Bounds of an {@link EventPool}. */
export interface EventLimits {
  /** Events one session keeps. @default 1000 */
  sessionEvents: number;
  /** Size of the events one session keeps (characters of JSON text). @default 8 Mi */
  sessionBytes: number;
  /** Events all sessions keep together. @default 20000 */
  totalEvents: number;
  /** Size of the events all sessions keep together (characters of JSON). @default 64 Mi */
  totalBytes: number;
}

/** The bounds used when none are given (README "Operating it" states them). */
export const DEFAULT_EVENT_LIMITS: Readonly<EventLimits> = Object.freeze({
  sessionEvents: 1000,
  sessionBytes: 8 * 1024 * 1024,
  totalEvents: 20_000,
  totalBytes: 64 * 1024 * 1024,
});

interface Stored {
  streamId: string;
  seq: number;
  message: JSONRPCMessage;
  bytes: number;
}

/** The events of every session, with the total bounds. */
export class EventPool {
  readonly limits: Readonly<EventLimits>;
  /** Every kept event, oldest first: key `storeKey eventId`. */
  readonly #order = new Map<string, SessionEventStore>();
  #bytes = 0;
  #nextStore = 0;

  constructor(limits: Partial<EventLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_EVENT_LIMITS, ...limits });
  }

  /** Events kept now, all sessions. */
  get size(): number {
    return this.#order.size;
  }

  /** Bytes kept now, all sessions. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A new, empty store for one session. */
  createStore(): SessionEventStore {
    return new SessionEventStore(this, String(this.#nextStore++));
  }

  /** @internal called by a store when it keeps an event. */
  added(store: SessionEventStore, eventId: string, bytes: number): void {
    this.#order.set(`${store.key} ${eventId}`, store);
    this.#bytes += bytes;
    while (
      this.#order.size > this.limits.totalEvents || this.#bytes > this.limits.totalBytes
    ) {
      const oldest = this.#order.entries().next().value;
      if (!oldest) break;
      const [key, owner] = oldest;
      owner.evict(key.slice(key.indexOf(" ") + 1));
    }
  }

  /** @internal called by a store when it lets an event go. */
  removed(store: SessionEventStore, eventId: string, bytes: number): void {
    if (this.#order.delete(`${store.key} ${eventId}`)) this.#bytes -= bytes;
  }
}

/**
 * One session's events: the SDK's `EventStore` interface. Event ids are
 * `<stream id>_<sequence number>`, the sequence counting up per session.
 */
export class SessionEventStore implements EventStore {
  /** Unique within the pool. */
  readonly key: string;
  readonly #pool: EventPool;
  /** Kept events by id, oldest first. */
  readonly #events = new Map<string, Stored>();
  /** Per stream: the highest sequence number let go (-1: none). */
  readonly #dropped = new Map<string, number>();
  /** Per stream: how many of its events are kept. */
  readonly #kept = new Map<string, number>();
  /** Streams on which an answer (a JSON-RPC result or error) was stored. */
  readonly #answered = new Set<string>();
  #seq = 0;
  #bytes = 0;
  #closed = false;

  constructor(pool: EventPool, key: string) {
    this.#pool = pool;
    this.key = key;
  }

  /** Events kept now. */
  get size(): number {
    return this.#events.size;
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps `message` as the next event of `streamId`; returns its id. */
  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const seq = this.#seq++;
    const eventId = `${streamId}_${seq}`;
    if (this.#closed) return Promise.resolve(eventId);
    const bytes = JSON.stringify(message).length;
    if (!this.#dropped.has(streamId)) this.#dropped.set(streamId, -1);
    if ("id" in message && ("result" in message || "error" in message)) {
      this.#answered.add(streamId);
    }
    this.#events.set(eventId, { streamId, seq, message, bytes });
    this.#kept.set(streamId, (this.#kept.get(streamId) ?? 0) + 1);
    this.#bytes += bytes;
    const { sessionEvents, sessionBytes } = this.#pool.limits;
    while (this.#events.size > sessionEvents || this.#bytes > sessionBytes) {
      const oldest = this.#events.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
    if (this.#events.has(eventId)) this.#pool.added(this, eventId, bytes);
    return Promise.resolve(eventId);
  }

  /** The stream an event id belongs to, if this store knows that stream. */
  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.streamOf(eventId));
  }

  /** Sends every kept event of the stream after `lastEventId`; returns the stream id. */
  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const problem = this.check(lastEventId);
    if (problem) throw new RangeError(problem);
    const { streamId, seq } = parseId(lastEventId)!;
    for (const [id, event] of [...this.#events]) {
      if (event.streamId !== streamId || event.seq <= seq) continue;
      // The priming event (empty data) is the client's cursor, never a message.
      if (Object.keys(event.message).length === 0) continue;
      await send(id, event.message);
    }
    return streamId;
  }

  /** The stream of `eventId`, or undefined when this store never saw it. */
  streamOf(eventId: string): string | undefined {
    const parsed = parseId(eventId);
    if (!parsed || !this.#dropped.has(parsed.streamId) || parsed.seq >= this.#seq) return undefined;
    return parsed.streamId;
  }

  /** True once an answer was stored on the stream. */
  answered(streamId: string): boolean {
    return this.#answered.has(streamId);
  }

  /**
   * Why a resume from `lastEventId` cannot be complete, or undefined when it can:
   * the id is unknown here, or events after it were dropped by the bounds.
   */
  check(lastEventId: string): string | undefined {
    const streamId = this.streamOf(lastEventId);
    if (streamId === undefined) {
      return `event id ${JSON.stringify(lastEventId.slice(0, 80))} in Last-Event-ID is not ` +
        "(or no longer) kept by this session; resume with the id of an event this session " +
        "sent, or call the tool again";
    }
    const { seq } = parseId(lastEventId)!;
    if ((this.#dropped.get(streamId) ?? -1) > seq) {
      const { sessionEvents, sessionBytes } = this.#pool.limits;
      return `events after ${JSON.stringify(lastEventId.slice(0, 80))} were dropped: ` +
        `sidekernel keeps ${sessionEvents} events (${sessionBytes / 1048576} MiB) per session ` +
        "and drops the oldest first; call the tool again";
    }
    return undefined;
  }

  /** Lets every event go; later events are not kept. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#events.keys()]) this.evict(id);
    this.#dropped.clear();
    this.#kept.clear();
    this.#answered.clear();
  }

  /** @internal lets one event go (the oldest, under a bound). */
  evict(eventId: string): void {
    const event = this.#events.get(eventId);
    if (!event) return;
    this.#events.delete(eventId);
    this.#bytes -= event.bytes;
    this.#pool.removed(this, eventId, event.bytes);
    const left = (this.#kept.get(event.streamId) ?? 1) - 1;
    this.#kept.set(event.streamId, left);
    const dropped = this.#dropped.get(event.streamId) ?? -1;
    if (event.seq > dropped) this.#dropped.set(event.streamId, event.seq);
    if (left > 0 || !this.#answered.has(event.streamId)) return;
    // An answered stream with nothing left: forget it, so what a session
    // remembers stays bounded (a stream still waiting for its answer is kept).
    this.#kept.delete(event.streamId);
    this.#dropped.delete(event.streamId);
    this.#answered.delete(event.streamId);
  }
}

function parseId(eventId: string): { streamId: string; seq: number } | undefined {
  const at = eventId.lastIndexOf("_");
  if (at <= 0) return undefined;
  const seq = Number(eventId.slice(at + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { streamId: eventId.slice(0, at), seq };
}
