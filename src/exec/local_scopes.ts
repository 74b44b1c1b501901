/**
 * Where interpreters live: one for the process (`--kernel-scope pod`) or one
 * per MCP session (`session`), with idle expiry and a cap, the same rules
 * the Jupyter executor applies to its kernels (README, "Kernel scope"):
 *
 * - an interpreter idle for `idleMs` is shut down; its session is told on its
 *   next call;
 * - at `max` interpreters a new session evicts the least recently used idle
 *   one; when every one is busy the call waits for one to finish, up to
 *   `waitMs`, then is refused with {@link InterpreterLimitError}.
 *
 * @module
 */
import type { KernelScope } from "../config/config.ts";
import { delay } from "../async/delay.ts";
import type { Logger } from "../obs/log.ts";

/** What the pool needs of an interpreter. */
export interface Pooled {
  readonly busy: boolean;
  readonly lastUsed: number;
  shutdown(): Promise<void>;
}

/** Session scope: every interpreter is busy and the cap is reached. */
export class InterpreterLimitError extends Error {
  /** The cap that was reached. */
  readonly limit: number;

  /** @param limit the cap (`maxSessionKernels`) */
  constructor(limit: number, options?: ErrorOptions) {
    super(
      `all ${limit} session interpreters are busy; try again when one finishes, or use ` +
        `--kernel-scope pod`,
      options,
    );
    this.name = "InterpreterLimitError";
    this.limit = limit;
  }
}

/** Options of {@link ScopedPool}. */
export interface ScopedPoolOptions<T extends Pooled> {
  scope: KernelScope;
  create: () => T;
  idleMs: number;
  max: number;
  /** How long a new session waits for an interpreter to become idle at the cap. */
  waitMs: number;
  logger: Logger;
}

const ANONYMOUS = "";
const NOTES_KEPT = 1000;

/** Interpreters by scope, created on first use. */
export class ScopedPool<T extends Pooled> {
  readonly #o: ScopedPoolOptions<T>;
  #pod?: T;
  readonly #sessions = new Map<string, T>();
  readonly #notes = new Map<string, string>();
  #sweeper?: ReturnType<typeof setInterval>;

  /** @param options scope, factory, idle expiry, cap */
  constructor(options: ScopedPoolOptions<T>) {
    this.#o = { ...options, max: Math.max(1, options.max) };
  }

  /**
   * Calls `use` with the interpreter of a session (or of the pod), created if
   * needed. `use` is called in the same tick the interpreter is chosen, so it
   * can mark it busy before another session could evict it.
   *
   * @throws {InterpreterLimitError} when every interpreter stays busy for `waitMs`
   */
  async with<R>(sessionId: string | undefined, use: (item: T) => Promise<R>): Promise<R> {
    if (this.#o.scope === "pod") return use(this.#pod ??= this.#o.create());
    const id = sessionId ?? ANONYMOUS;
    const deadline = Date.now() + this.#o.waitMs;
    while (true) {
      const existing = this.#sessions.get(id);
      if (existing) return use(existing);
      if (this.#sessions.size < this.#o.max) return use(this.#create(id));
      let oldest: [string, T] | undefined;
      for (const entry of this.#sessions) {
        if (!entry[1].busy && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
      }
      if (oldest) {
        this.#o.logger.info("session interpreter cap reached; evicting the least recently used");
        const stopping = this.release(
          oldest[0],
          `Note: this session's interpreter was shut down to make room for another session ` +
            `(limit ${this.#o.max}); a new one was started; earlier variables are gone.`,
        );
        const result = use(this.#create(id));
        await stopping;
        return await result;
      }
      if (Date.now() >= deadline) throw new InterpreterLimitError(this.#o.max);
      await delay(20);
    }
  }

  #create(id: string): T {
    const created = this.#o.create();
    this.#sessions.set(id, created);
    if (!this.#sweeper) {
      this.#sweeper = setInterval(
        () => this.#sweep(),
        Math.max(50, Math.min(this.#o.idleMs / 2, 60_000)),
      );
      Deno.unrefTimer(this.#sweeper);
    }
    return created;
  }

  /** The existing interpreter of a session (or the pod), without creating one. */
  peek(sessionId: string | undefined): T | undefined {
    return this.#o.scope === "pod" ? this.#pod : this.#sessions.get(sessionId ?? ANONYMOUS);
  }

  /** A note for the session's next call (its interpreter was expired or evicted), once. */
  takeNote(sessionId: string | undefined): string | undefined {
    const id = sessionId ?? ANONYMOUS;
    const note = this.#notes.get(id);
    this.#notes.delete(id);
    return note;
  }

  /** Shuts down a session's interpreter; `note` is told on its next call. */
  async release(sessionId: string, note?: string): Promise<void> {
    const item = this.#sessions.get(sessionId);
    if (!item) return;
    this.#sessions.delete(sessionId);
    if (note) {
      this.#notes.set(sessionId, note);
      if (this.#notes.size > NOTES_KEPT) this.#notes.delete(this.#notes.keys().next().value!);
    }
    await item.shutdown();
  }

  /** Shuts everything down. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const all = [...this.#sessions.values(), ...(this.#pod ? [this.#pod] : [])];
    this.#sessions.clear();
    this.#pod = undefined;
    await Promise.all(all.map((item) => item.shutdown()));
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, item] of this.#sessions) {
      if (!item.busy && now - item.lastUsed > this.#o.idleMs) {
        this.#o.logger.info("session interpreter idle; shutting it down");
        void this.release(
          id,
          `Note: this session's interpreter was shut down after ${
            Math.round(this.#o.idleMs / 1000)
          } s idle; a new one was started; earlier variables are gone.`,
        );
      }
    }
  }
}
