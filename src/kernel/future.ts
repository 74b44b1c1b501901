/**
 * The per-request execution future.
 *
 * @module
 */

import type { ExecuteReplyContent, KernelMessage } from "./messages.ts";

/**
 * Tracks one `execute_request` until it is done, and hands its IOPub messages
 * (outputs) to a callback in arrival order.
 */
export class ExecutionFuture {
  /** The request's `msg_id`; replies and outputs carry it as parent. */
  readonly msgId: string;
  /** Resolves with the `execute_reply` content when done; rejects when the kernel is lost. */
  readonly done: Promise<ExecuteReplyContent>;
  #reply?: ExecuteReplyContent;
  #idle = false;
  #settled = false;
  #started = false;
  #resolve!: (reply: ExecuteReplyContent) => void;
  #reject!: (err: Error) => void;
  readonly #onIopub: (msg: KernelMessage) => void;

  /**
   * @param msgId The request's `msg_id`.
   * @param onIopub Called with each IOPub message of this request (not `status`).
   */
  constructor(msgId: string, onIopub: (msg: KernelMessage) => void) {
    this.msgId = msgId;
    this.#onIopub = onIopub;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A lost kernel rejects `done`; callers may race it, so never leave it unhandled.
    this.done.catch(() => {});
  }

  /** True once the kernel sent anything about this request (it began running it). */
  get started(): boolean {
    return this.#started;
  }

  /** True once resolved or rejected. */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Feeds one message whose `parent_header.msg_id` is this request's.
   *
   * @param msg A shell or IOPub message.
   */
  handle(msg: KernelMessage): void {
    if (this.#settled) return;
    this.#started = true;
    const type = msg.header.msg_type;
    if (msg.channel === "shell" && type === "execute_reply") {
      this.#reply = msg.content as unknown as ExecuteReplyContent;
    } else if (msg.channel === "iopub" && type === "status") {
      if ((msg.content as { execution_state?: string }).execution_state === "idle") {
        this.#idle = true;
      }
    } else if (msg.channel === "iopub") {
      this.#onIopub(msg);
    }
    // The rule: an execution is done only when BOTH the shell `execute_reply`
    // and the IOPub `status: idle` with our parent msg_id have arrived. They
    // travel on different sockets, in either order; the reply alone may come
    // before the last outputs, and idle alone does not carry the status.
    if (this.#reply && this.#idle) {
      this.#settled = true;
      this.#resolve(this.#reply);
    }
  }

  /**
   * Rejects the future (kernel died, channel lost, kernel restarted by us).
   *
   * @param err Why the execution will never finish.
   */
  fail(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(err);
  }
}
