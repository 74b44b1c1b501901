/**
 * What `/healthz` checks (docs/RELIABILITY.md, "Liveness"): that the serving
 * isolate's file-I/O thread pool still answers. Deno runs every async file
 * operation on a pool of 32 threads per isolate; 32 blocked opens (a FIFO
 * nobody writes to) make every later file operation wait for good, while the
 * event loop and `/healthz` itself still run. A tiny `Deno.stat` of the
 * workspace with a deadline tells the two apart. At most one probe is in
 * flight: a stuck pool is not handed a new operation per probe.
 *
 * A stuck event loop needs no check here: `/healthz` is served by that loop,
 * so it does not answer, and the kubelet's probe timeout counts as failure.
 *
 * @module
 */

/** One answer of {@link IoProbe.check}. */
export type IoHealth = { ok: true; ms: number } | { ok: false; message: string };

/** Options of {@link IoProbe}. */
export interface IoProbeOptions {
  /** A path that always exists (the workspace). */
  path: string;
  /** How long a stat may take before the pool counts as stuck. @default 800 */
  deadlineMs?: number;
  /** The operation probed. @default Deno.stat */
  stat?: (path: string) => Promise<unknown>;
}

/** Probes the file-I/O pool of the isolate it runs in. */
export class IoProbe {
  readonly #path: string;
  readonly #deadlineMs: number;
  readonly #stat: (path: string) => Promise<unknown>;
  #pending?: { started: number; done: Promise<void> };

  constructor(options: IoProbeOptions) {
    this.#path = options.path;
    this.#deadlineMs = options.deadlineMs ?? 800;
    this.#stat = options.stat ?? ((path) => Deno.stat(path));
  }

  /**
   * Answers within about the deadline: ok with the stat's time, or why not.
   *
   * @example
   * ```ts
   * const health = await new IoProbe({ path: "/workspace" }).check();
   * ```
   */
  async check(): Promise<IoHealth> {
    if (!this.#pending) {
      const started = performance.now();
      // Errors (the path vanished) still prove the pool answers.
      const done = this.#stat(this.#path).then(() => {}, () => {}).finally(() => {
        if (this.#pending?.done === done) this.#pending = undefined;
      });
      this.#pending = { started, done };
    }
    const { started, done } = this.#pending;
    const left = Math.max(0, this.#deadlineMs - (performance.now() - started));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), left));
    const outcome = await Promise.race([done.then(() => "done" as const), late]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    if (outcome === "done") return { ok: true, ms };
    return {
      ok: false,
      message: `file I/O is stuck: a stat of ${JSON.stringify(this.#path)} has not returned ` +
        `for ${(ms / 1000).toFixed(1)} s (every file-I/O thread is blocked); restart sidekernel`,
    };
  }
}
