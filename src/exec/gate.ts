/**
 * Admission and draining of executions: at most `maxGlobal` at once and
 * `maxPerSession` per MCP session; on shutdown, new ones are refused and the
 * running ones get a grace period, then an abort.
 *
 * @module
 */
import { deadline } from "../async/deadline.ts";

/** Why an execution was not admitted. */
export type Refusal = "draining" | "global" | "session";

/** A running execution's ticket. */
export interface Lease {
  /** Aborted when the server gives up waiting for it during shutdown. */
  signal: AbortSignal;
  release(): void;
}

/** Limits of {@link ExecutionGate}. */
export interface GateOptions {
  /** Executions at once, all sessions together. */
  maxGlobal: number;
  /** Executions at once in one session. */
  maxPerSession: number;
}

/** Counts executions; one per server process. */
export class ExecutionGate {
  readonly #options: GateOptions;
  readonly #perSession = new Map<string, number>();
  readonly #shutdown = new AbortController();
  #total = 0;
  #draining = false;
  /** Resolved when the last running execution ends; made when someone waits for that. */
  #idle?: PromiseWithResolvers<void>;

  constructor(options: GateOptions) {
    this.#options = options;
  }

  /** The limits this gate admits by (for the sentence a refusal gets, {@link refusalText}). */
  get limits(): GateOptions {
    return this.#options;
  }

  /** Executions running now. */
  get inFlight(): number {
    return this.#total;
  }

  /** Executions running now in one session. */
  running(sessionId: string): number {
    return this.#perSession.get(sessionId) ?? 0;
  }

  /** True once shutdown began. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Why `sessionId` could not start an execution now, or undefined if it could. */
  check(sessionId = ""): Refusal | undefined {
    if (this.#draining) return "draining";
    if (this.#total >= this.#options.maxGlobal) return "global";
    if ((this.#perSession.get(sessionId) ?? 0) >= this.#options.maxPerSession) return "session";
    return undefined;
  }

  /** Admits an execution, or says why not. */
  enter(sessionId = ""): Lease | Refusal {
    const refusal = this.check(sessionId);
    if (refusal) return refusal;
    this.#total++;
    this.#perSession.set(sessionId, (this.#perSession.get(sessionId) ?? 0) + 1);
    let released = false;
    return {
      signal: this.#shutdown.signal,
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#perSession.get(sessionId) ?? 1) - 1;
        if (left === 0) this.#perSession.delete(sessionId);
        else this.#perSession.set(sessionId, left);
        if (this.#total === 0) {
          this.#idle?.resolve();
          this.#idle = undefined;
        }
      },
    };
  }

  /**
   * Refuses new executions and waits up to `graceMs` for the running ones;
   * then aborts those left and waits up to `abortWaitMs` for them to answer.
   *
   * @returns how many were still running when the grace ran out
   */
  async drain(graceMs: number, abortWaitMs = 5000): Promise<number> {
    this.#draining = true;
    if (await this.#waitIdle(graceMs)) return 0;
    const left = this.#total;
    this.#shutdown.abort(new Error("sidekernel is shutting down"));
    await this.#waitIdle(abortWaitMs);
    return left;
  }

  /** True once no execution runs, false when `ms` passed first. */
  #waitIdle(ms: number): Promise<boolean> {
    if (this.#total === 0) return Promise.resolve(true);
    this.#idle ??= Promise.withResolvers<void>();
    return deadline(this.#idle.promise.then(() => true), ms, { onTimeout: () => false });
  }
}

/** The sentence a refused call gets. */
export function refusalText(refusal: Refusal, options: GateOptions): string {
  switch (refusal) {
    case "draining":
      return "sidekernel is shutting down and takes no new executions; call again in a moment.";
    case "global":
      return `sidekernel is running its limit of ${options.maxGlobal} executions at once ` +
        `(--max-executions); call again in a few seconds.`;
    case "session":
      return `this MCP session already runs ${options.maxPerSession} executions at once; wait ` +
        `for one to finish.`;
  }
}
