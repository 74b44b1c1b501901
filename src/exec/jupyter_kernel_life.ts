/**
 * The life of one managed kernel as one state type, {@link KernelLife}, with
 * its transitions in one place ({@link KernelLifeCycle}), and what the next
 * call must be told about state it lost ({@link News}).
 *
 * @module
 */

import type { KernelConnection, KernelLoss } from "../kernel/connection.ts";
import type { JupyterRestClient } from "../kernel/rest.ts";
import type { Logger } from "../obs/log.ts";
import type { KernelEvents } from "./jupyter_kernel_options.ts";

/** What a kernel needs before it runs the next cell. */
export type Setup =
  /** Nothing: it answers, and the start-up code ran. */
  | "done"
  /** Run the start-up code (`chdir` to the workspace): a kernel just created. */
  | "prepare"
  /**
   * It was restarted (by us or by Jupyter): wait until it answers on our
   * channel (the server's sockets reconnect to the new process late), then
   * run the start-up code.
   */
  | "restarted";

/** A kernel with an open connection. */
export interface Open {
  phase: "open";
  /** The kernel's id. */
  id: string;
  conn: KernelConnection;
  setup: Setup;
  /** A cell runs on it: a loss now is that call's end, not a note for the next call. */
  running: boolean;
}

/**
 * The kernel's life:
 * - `none`: no kernel; the next call creates one.
 * - `open`: a connection to kernel `id`.
 * - `detached`: kernel `id` without a usable connection (just created, or its
 *   socket was lost and could not be reopened: server unreachable, socket
 *   closed); the next call reopens it, or starts a new one if it is gone.
 * - `closed`: shut down; no call runs again.
 *
 * A kernel that is gone or dead is forgotten at once (`none`).
 */
export type KernelLife =
  | { phase: "none" }
  | Open
  | { phase: "detached"; id: string; setup: Setup }
  | { phase: "closed" };

/** What the next call must hear about state lost since the last one. */
export type News =
  /** Nothing. */
  | { kind: "none" }
  /** This note. */
  | { kind: "note"; text: string }
  /** The last call ended saying its state was lost: a later discovery of the same loss is not news. */
  | { kind: "told" };

/** The end of every note about a replaced kernel. */
export const LOST_NOTE = "a new kernel was started; earlier variables are gone";

/**
 * A note for the next call about a kernel that was replaced.
 *
 * @param why What happened to the previous kernel, e.g. "the previous kernel died".
 * @returns The note.
 */
export function lostNote(why: string): { kind: "note"; text: string } {
  return { kind: "note", text: `Note: ${why}; ${LOST_NOTE}.` };
}

/**
 * Holds the life of one kernel: the only code that changes it, and the set
 * of kernels created on the way (so that shutdown deletes them and the
 * metrics count them).
 */
export class KernelLifeCycle {
  #life: KernelLife = { phase: "none" };
  readonly #created = new Set<string>();
  readonly #rest: JupyterRestClient;
  readonly #events?: KernelEvents;

  /**
   * @param rest Deletes the kernels left behind.
   * @param events Told when a kernel is created or stops existing.
   */
  constructor(rest: JupyterRestClient, events?: KernelEvents) {
    this.#rest = rest;
    this.#events = events;
  }

  /** The life now. */
  get now(): KernelLife {
    return this.#life;
  }

  /** The current kernel's id, if there is one. */
  get kernelId(): string | undefined {
    const life = this.#life;
    return life.phase === "open" || life.phase === "detached" ? life.id : undefined;
  }

  /**
   * The one place the life changes. A connection left behind is closed; once
   * closed, the life stays closed (a connection opened meanwhile is closed).
   *
   * @param next The new life.
   * @returns `next`.
   * @throws {Error} When the life is closed and `next` is not.
   */
  enter<L extends KernelLife>(next: L): L {
    const was = this.#life;
    if (was.phase === "closed") {
      if (next.phase === "open") next.conn.close();
      if (next.phase !== "closed") throw new Error("the Jupyter executor is closed");
      return next;
    }
    if (was.phase === "open" && (next.phase !== "open" || next.conn !== was.conn)) was.conn.close();
    this.#life = next;
    return next;
  }

  /**
   * Records a kernel this object created.
   *
   * @param id The new kernel's id.
   */
  created(id: string): void {
    this.#created.add(id);
    this.#events?.started();
    if (this.#life.phase !== "closed") return;
    // Created while shutting down: delete it at once, the shutdown loop may be past it.
    this.#created.delete(id);
    this.#rest.deleteKernel(id).then(() => this.#events?.stopped(), () => {});
  }

  /**
   * @param conn A connection.
   * @returns The open life of `conn`, if it is still the current connection.
   */
  openOf(conn: KernelConnection): Open | undefined {
    const life = this.#life;
    return life.phase === "open" && life.conn === conn ? life : undefined;
  }

  /**
   * Changes the open life of `conn`, if it is still current.
   *
   * @param conn The connection whose life changes.
   * @param change The new `setup` or `running`.
   */
  update(conn: KernelConnection, change: Partial<Pick<Open, "setup" | "running">>): void {
    const open = this.openOf(conn);
    if (open) this.enter({ ...open, ...change });
  }

  /**
   * Moves the life on after `conn` reported a loss: a restarted kernel needs
   * its setup again, a dead one is deleted, a gone one forgotten, and a
   * socket that is unreachable or closed leaves its kernel detached.
   *
   * @param loss What the connection lost.
   * @param conn The connection that reported it.
   * @returns The life `conn` had, or undefined for a connection already left behind.
   */
  lost(loss: KernelLoss, conn: KernelConnection): Open | undefined {
    const open = this.openOf(conn);
    if (!open) return undefined;
    if (loss.kind === "restarted") this.enter({ ...open, setup: "restarted" });
    else if (loss.kind === "dead") this.forget("delete");
    else if (loss.kind === "gone") this.forget("gone");
    else this.enter({ phase: "detached", id: open.id, setup: open.setup });
    return open;
  }

  /**
   * Leaves the current kernel behind (life `none`).
   *
   * @param how `keep` it (it may live; shutdown deletes it), `delete` it, or it is `gone`.
   */
  forget(how: "keep" | "delete" | "gone"): void {
    const life = this.#life;
    if (life.phase !== "open" && life.phase !== "detached") return;
    this.enter({ phase: "none" });
    if (how === "delete") this.#rest.deleteKernel(life.id).catch(() => {});
    if (how !== "keep" && this.#created.delete(life.id)) this.#events?.stopped();
  }

  /**
   * Closes the life for good and deletes every kernel created on the way.
   *
   * @param logger Told about kernels that could not be deleted.
   */
  async close(logger: Logger): Promise<void> {
    this.enter({ phase: "closed" });
    for (const id of this.#created) {
      try {
        await this.#rest.deleteKernel(id);
        this.#events?.stopped();
      } catch (err) {
        logger.warn("could not delete kernel", { kernelId: id, error: err });
      }
    }
    this.#created.clear();
  }
}
