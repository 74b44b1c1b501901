/**
 * A live connection to one kernel: the WebSocket channel, the pending
 * requests, and what happens when the kernel or the socket goes away.
 *
 * - Server-made IOPub `status: restarting` (the kernel died and Jupyter
 *   restarted it) or `dead` (it could not) fail every pending request with
 *   {@link KernelDeadError} and are reported through `onLost`.
 * - An unexpected socket close is followed by `GET /api/kernels/{id}`: if the
 *   kernel still lives, the socket is reopened with the same session id (the
 *   server replays what it buffered meanwhile) and pending requests go on;
 *   if it is gone (404) or the server is unreachable, they fail.
 * - {@link KernelConnection.restart} restarts the kernel through REST: the
 *   statuses that restart causes are ours, not a death, and the requests it
 *   abandons fail with {@link KernelDeadError}.
 *
 * @module
 */

import { deadline } from "../async/deadline.ts";
import { retry } from "../async/retry.ts";

import type { Logger } from "../obs/log.ts";
import { KernelChannel } from "./channel.ts";
import {
  JupyterHttpError,
  JupyterUnreachableError,
  KernelChannelClosedError,
  KernelDeadError,
  KernelNotFoundError,
} from "./errors.ts";
import { ExecutionFuture } from "./future.ts";
import {
  createMessage,
  executeRequest,
  isStatus,
  type KernelMessage,
  parentId,
} from "./messages.ts";
import type { JupyterRestClient } from "./rest.ts";

/** WebSocket opening attempts before giving up on a live kernel. */
const CONNECT_ATTEMPTS = 3;

/** Why a connection can no longer run code on its kernel. */
export type KernelLoss =
  | { kind: "restarted"; error: KernelDeadError }
  | { kind: "dead"; error: KernelDeadError }
  | { kind: "gone"; error: KernelNotFoundError }
  | { kind: "unreachable"; error: JupyterUnreachableError }
  | { kind: "closed"; error: KernelChannelClosedError };

/** Options of {@link KernelConnection.open}. */
export interface KernelConnectionOptions {
  rest: JupyterRestClient;
  kernelId: string;
  logger: Logger;
  /** Called when the kernel's state is lost, while busy or idle, with the connection that saw it. */
  onLost?: (loss: KernelLoss, conn: KernelConnection) => void;
  /** @default true (see `channel.ts`) */
  pongAfterFrame?: boolean;
  /**
   * Offer the v1 subprotocol first; false when the server is known to pick none
   * (see `channel.ts`). Reconnects use the framing the server picked.
   * @default true
   */
  offerV1?: boolean;
  /**
   * How long to try reopening a dropped socket while the kernel lives.
   * @default 10000
   */
  reconnectTimeoutMs?: number;
}

/** A live connection to one kernel. */
export class KernelConnection {
  /** The kernel's id. */
  readonly kernelId: string;
  /** The client session id (stable across reconnects). */
  readonly sessionId = crypto.randomUUID();
  readonly #options: KernelConnectionOptions;
  readonly #pending = new Map<string, ExecutionFuture>();
  readonly #replies = new Map<string, (msg: KernelMessage) => void>();
  #channel?: KernelChannel;
  /** Aborted by {@link close}: stops reopening a dropped socket. */
  readonly #closing = new AbortController();
  #lost?: KernelLoss;
  /** While true, `restarting`/`starting` statuses are ours (see {@link restart}), not a death. */
  #restarting = false;

  private constructor(options: KernelConnectionOptions) {
    this.kernelId = options.kernelId;
    this.#options = options;
  }

  /**
   * Opens the kernel's WebSocket.
   *
   * @param options REST client, kernel id, logger, loss callback.
   * @throws {KernelNotFoundError} When the kernel does not exist.
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   * @throws {ChannelOpenError} When the upgrade is refused for another reason.
   */
  static async open(options: KernelConnectionOptions): Promise<KernelConnection> {
    const conn = new KernelConnection(options);
    await conn.#connect();
    return conn;
  }

  /** Why this connection is unusable, if it is. */
  get lost(): KernelLoss | undefined {
    return this.#lost;
  }

  /** The framing the server picked (`"v1"` or `"legacy"`), `"none"` before it opened. */
  get protocol(): "v1" | "legacy" | "none" {
    return this.#channel?.protocol ?? "none";
  }

  /**
   * Sends an `execute_request` (with `allow_stdin: false`).
   *
   * @param code The cell.
   * @param onIopub Called with each output message of this request, in arrival order.
   * @param silent True for housekeeping code.
   * @returns The request's future; its `done` rejects with the loss's error if the kernel is lost.
   */
  execute(
    code: string,
    onIopub: (msg: KernelMessage) => void,
    silent = false,
  ): ExecutionFuture {
    const msg = executeRequest(code, this.sessionId, silent);
    const future = new ExecutionFuture(msg.header.msg_id, onIopub);
    if (this.#lost) {
      future.fail(this.#lost.error);
      return future;
    }
    this.#pending.set(future.msgId, future);
    future.done.finally(() => this.#pending.delete(future.msgId)).catch(() => {});
    if (!this.#channel?.send(msg)) {
      future.fail(new KernelChannelClosedError(this.kernelId, "is not open"));
    }
    return future;
  }

  /**
   * Sends `kernel_info_request` and waits for an IOPub message about it (its
   * `status: busy`): proves the kernel answers AND the server's IOPub socket is
   * subscribed to it again (after a restart it reconnects late, and a request
   * sent earlier would lose its `status: idle`).
   *
   * @param timeoutMs How long to wait.
   * @returns True when the kernel's IOPub answered in time.
   */
  async kernelInfo(timeoutMs: number): Promise<boolean> {
    if (this.#lost) return false;
    const msg = createMessage("shell", "kernel_info_request", {}, this.sessionId);
    const replied = new Promise<boolean>((resolve) => {
      this.#replies.set(msg.header.msg_id, (reply) => {
        if (reply.channel === "iopub") resolve(true);
      });
    });
    try {
      if (!this.#channel?.send(msg)) return false;
      return await deadline(replied, timeoutMs, { onTimeout: () => false });
    } finally {
      this.#replies.delete(msg.header.msg_id);
    }
  }

  /**
   * Asks for `kernel_info` once a second until the kernel answers: a request
   * sent while Jupyter restarts the process can be lost, so one is not enough.
   * After each unanswered request the kernel's existence is checked: a kernel
   * deleted or culled meanwhile (the server does not always close its
   * WebSocket then) is reported as `gone` at once instead of at the deadline.
   *
   * @param timeoutMs How long to keep asking.
   * @returns True when the kernel answered in time; false when it did not or is gone.
   */
  async waitUntilAnswering(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.#lost) {
      if (await this.kernelInfo(1000)) return true;
      try {
        await this.#options.rest.getKernel(this.kernelId);
      } catch (err) {
        if (err instanceof KernelNotFoundError) this.#lose({ kind: "gone", error: err }, true);
      }
    }
    return false;
  }

  /**
   * Restarts the kernel (`POST /api/kernels/{id}/restart`, resolved when the
   * new process answers). The `restarting`/`starting` statuses this causes
   * are not reported as a loss; every pending request fails with
   * {@link KernelDeadError}, since a restart abandons it.
   *
   * @throws {KernelNotFoundError} When the kernel is gone.
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   * @throws {JupyterHttpError} On another refusal.
   */
  async restart(): Promise<void> {
    this.#restarting = true;
    try {
      await this.#options.rest.restartKernel(this.kernelId);
    } finally {
      this.#restarting = false;
    }
    this.failPending(new KernelDeadError(this.kernelId, "the kernel was restarted"));
  }

  /**
   * Fails every pending request (e.g. after a restart by us, which abandons them).
   *
   * @param err The error their futures reject with.
   */
  failPending(err: Error): void {
    for (const future of [...this.#pending.values()]) future.fail(err);
  }

  /** Closes the socket; pending requests fail. Does not touch the kernel. */
  close(): void {
    this.#closing.abort();
    this.#channel?.close();
    this.failPending(new KernelChannelClosedError(this.kernelId, "was closed by sidekernel"));
  }

  async #connect(): Promise<void> {
    const { rest, kernelId } = this.#options;
    // A kernel that was just created can refuse its first WebSocket under load
    // (the server is still wiring its ZMQ sockets): try a few times.
    this.#channel = await retry(async () => {
      try {
        return await KernelChannel.open({
          url: rest.channelsUrl(kernelId, this.sessionId),
          headers: rest.authHeaders(),
          kernelId,
          pongAfterFrame: this.#options.pongAfterFrame,
          offerV1: this.#options.offerV1 !== false && this.#channel?.protocol !== "legacy",
          onMessage: (msg) => this.#dispatch(msg),
          onClose: (code) => void this.#onSocketClosed(code),
        });
      } catch (err) {
        // Say precisely why when the kernel is gone, or the server is (these throw).
        await rest.getKernel(kernelId);
        throw err;
      }
    }, { attempts: CONNECT_ATTEMPTS, backoff: (attempt) => 100 * attempt, retryIf: notRest });
  }

  #dispatch(msg: KernelMessage): void {
    const parent = parentId(msg);
    if (parent) {
      const future = this.#pending.get(parent);
      if (future) {
        future.handle(msg);
        return;
      }
      this.#replies.get(parent)?.(msg);
      return;
    }
    // Statuses without a parent are made by the server about the kernel process.
    if (isStatus(msg) && !this.#restarting) {
      const state = msg.content.execution_state;
      if (state === "restarting") {
        this.#lose({
          kind: "restarted",
          error: new KernelDeadError(this.kernelId, "the kernel died and Jupyter restarted it"),
        }, false);
      } else if (state === "dead") {
        this.#lose({
          kind: "dead",
          error: new KernelDeadError(this.kernelId, "the kernel died and could not be restarted"),
        }, true);
      }
    }
  }

  /** Reports a loss; `final` marks the connection unusable (a `restarted` kernel lives on). */
  #lose(loss: KernelLoss, final: boolean): void {
    this.#options.logger.warn("kernel lost", { kernelId: this.kernelId, loss: loss.kind });
    if (final) this.#lost = loss;
    this.failPending(loss.error);
    this.#options.onLost?.(loss, this);
  }

  async #onSocketClosed(code: number): Promise<void> {
    const closing = this.#closing.signal;
    if (closing.aborted || this.#lost) return;
    const { rest, kernelId, logger } = this.#options;
    logger.info("kernel websocket closed; checking the kernel", { kernelId, code });
    try {
      await retry(async () => {
        await rest.getKernel(kernelId);
        await this.#connect();
      }, {
        until: Date.now() + (this.#options.reconnectTimeoutMs ?? 10_000),
        backoff: 250,
        signal: closing,
        retryIf: (err) =>
          !(err instanceof KernelNotFoundError || err instanceof JupyterUnreachableError),
      });
      if (closing.aborted) this.#channel?.close();
      else logger.info("kernel websocket reopened", { kernelId });
    } catch (err) {
      if (closing.aborted) return;
      if (err instanceof KernelNotFoundError) this.#lose({ kind: "gone", error: err }, true);
      else if (err instanceof JupyterUnreachableError) {
        this.#lose({ kind: "unreachable", error: err }, true);
      } else {
        this.#lose({
          kind: "closed",
          error: new KernelChannelClosedError(
            kernelId,
            `closed (code ${code}) and could not be reopened`,
            { cause: err },
          ),
        }, true);
      }
    }
  }
}

/** True for an error that is not the REST API's answer about the kernel (worth another try). */
function notRest(err: unknown): boolean {
  return !(err instanceof KernelNotFoundError || err instanceof JupyterUnreachableError ||
    err instanceof JupyterHttpError);
}
