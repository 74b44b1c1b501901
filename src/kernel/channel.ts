/**
 * The kernel WebSocket (`/api/kernels/{id}/channels`), on `npm:ws`.
 *
 * Why `npm:ws` and not Deno's `WebSocket`: Jupyter Server does not set
 * TCP_NODELAY on the kernel WebSocket, so each small frame it sends after the
 * first waits for our delayed ACK (40 ms on Linux) — every execution would
 * stall ~40 ms. Writing something back at once forces the ACK out: after each
 * frame we receive we send an unsolicited, empty pong frame (allowed by
 * RFC 6455 §5.5.3, ignored by the server). Deno's `WebSocket` cannot send
 * pongs; `ws` can. `ws` also sets TCP_NODELAY on its own socket, so our
 * frames leave at once too. `ws` also lets the upgrade request carry the
 * `Authorization` header, so the token never goes into the URL (which Jupyter
 * logs).
 *
 * Framing: the v1 subprotocol is offered; a server that picks none (the
 * classic Notebook 6.x, jupyter_server before 1.15, Kernel Gateway on either)
 * speaks the legacy JSON framing. `ws` refuses such a handshake outright, so
 * the channel sees the missing subprotocol in the upgrade answer and opens
 * again without offering it (docs/JUPYTER.md, "Servers").
 *
 * @module
 */

import type { KernelMessage } from "./messages.ts";
import {
  deserializeLegacy,
  deserializeV1,
  serializeLegacy,
  serializeV1,
  V1_SUBPROTOCOL,
} from "./wire.ts";

/** The subset of `ws`'s WebSocket this module uses (the package ships no types). */
interface WsSocket {
  readonly protocol: string;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  pong(data?: Uint8Array, mask?: boolean, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  once(event: "open", listener: () => void): void;
  on(event: "upgrade", listener: (res: { headers: Record<string, unknown> }) => void): void;
  on(event: "message", listener: (data: Uint8Array | string, isBinary: boolean) => void): void;
  on(event: "close", listener: (code: number, reason: Uint8Array) => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  on(
    event: "unexpected-response",
    listener: (req: unknown, res: { statusCode?: number; resume?: () => void }) => void,
  ): void;
}

type WsConstructor = new (
  url: string,
  protocols: string[],
  options: {
    perMessageDeflate: boolean;
    handshakeTimeout: number;
    skipUTF8Validation: boolean;
    headers: Record<string, string>;
  },
) => WsSocket;

/** `ws`, loaded with the first kernel connection (about 2.5 MiB not spent before; docs/PERFORMANCE.md). */
let wsCtor: Promise<WsConstructor> | undefined;
function loadWs(): Promise<WsConstructor> {
  wsCtor ??= import("ws").then((m) => m.default as unknown as WsConstructor);
  return wsCtor;
}
const OPEN = 1;

/** Which framing the server picked. */
export type WireProtocol = "v1" | "legacy";

/** Options of {@link KernelChannel.open}. */
export interface KernelChannelOptions {
  /** The channels URL; it carries no token. */
  url: string;
  /** Headers of the upgrade request, e.g. `Authorization` (never logged). */
  headers?: Record<string, string>;
  /** Kernel id, for error messages. */
  kernelId: string;
  /** Called for every message received, in arrival order. */
  onMessage: (msg: KernelMessage) => void;
  /** Called once when the socket closes, unless {@link KernelChannel.close} closed it. */
  onClose: (code: number, reason: string) => void;
  /**
   * Send an unsolicited pong after each received frame (see the module doc).
   * @default true
   */
  pongAfterFrame?: boolean;
  /**
   * Offer the v1 binary subprotocol (and fall back to legacy framing when the
   * server picks none); false asks for the legacy JSON framing at once.
   * @default true
   */
  offerV1?: boolean;
  /** @default 10000 */
  connectTimeoutMs?: number;
}

/** Options of {@link ChannelOpenError}. */
export interface ChannelOpenErrorOptions extends ErrorOptions {
  /** The server accepted the upgrade but picked none of the offered subprotocols. */
  noSubprotocol?: boolean;
}

/** Why a channel could not be opened; `status` is the HTTP status of a refused upgrade. */
export class ChannelOpenError extends Error {
  /** HTTP status of the refused upgrade, if the server answered. */
  readonly status?: number;
  /** True when the server accepted the upgrade without picking the offered subprotocol. */
  readonly noSubprotocol: boolean;

  /**
   * @param message What failed.
   * @param status HTTP status, if any.
   * @param options `cause`, `noSubprotocol`.
   */
  constructor(message: string, status?: number, options?: ChannelOpenErrorOptions) {
    super(message, options);
    this.name = "ChannelOpenError";
    this.status = status;
    this.noSubprotocol = options?.noSubprotocol ?? false;
  }
}

/**
 * One open kernel WebSocket: sends requests, delivers every message it receives.
 */
export class KernelChannel {
  /** The framing in use. */
  readonly protocol: WireProtocol;
  readonly #ws: WsSocket;
  #closedByUs = false;

  private constructor(ws: WsSocket) {
    this.#ws = ws;
    this.protocol = ws.protocol === V1_SUBPROTOCOL ? "v1" : "legacy";
  }

  /**
   * Opens the WebSocket, offering the v1 subprotocol; when the server picks
   * none, opens it again with the legacy JSON framing.
   *
   * @param options URL, auth headers, callbacks, tunables.
   * @returns The open channel; {@link KernelChannel.protocol} says which framing.
   * @throws {ChannelOpenError} When the upgrade fails (`status` 404: kernel gone; 403: token).
   */
  static async open(options: KernelChannelOptions): Promise<KernelChannel> {
    const offerV1 = options.offerV1 ?? true;
    const WsCtor = await loadWs();
    try {
      return await KernelChannel.#openOnce(WsCtor, options, offerV1);
    } catch (err) {
      if (!(offerV1 && err instanceof ChannelOpenError && err.noSubprotocol)) throw err;
      return await KernelChannel.#openOnce(WsCtor, options, false);
    }
  }

  static #openOnce(
    WsCtor: WsConstructor,
    options: KernelChannelOptions,
    offerV1: boolean,
  ): Promise<KernelChannel> {
    const pong = options.pongAfterFrame ?? true;
    const ws = new WsCtor(options.url, offerV1 ? [V1_SUBPROTOCOL] : [], {
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
      skipUTF8Validation: true,
      headers: { ...options.headers },
    });
    return new Promise((resolve, reject) => {
      let channel: KernelChannel | undefined;
      let status: number | undefined;
      let noSubprotocol = false;
      ws.on("upgrade", (res) => {
        noSubprotocol = offerV1 && res.headers["sec-websocket-protocol"] === undefined;
      });
      ws.on("unexpected-response", (_req, res) => {
        status = res.statusCode;
        res.resume?.();
        ws.terminate();
      });
      ws.on("error", (err) => {
        if (!channel) {
          reject(
            new ChannelOpenError(
              `could not open the WebSocket of kernel "${options.kernelId}"${
                status ? ` (HTTP ${status})` : noSubprotocol ? " (no subprotocol picked)" : ""
              }`,
              status,
              { cause: err, noSubprotocol },
            ),
          );
        }
      });
      ws.once("open", () => {
        channel = new KernelChannel(ws);
        resolve(channel);
      });
      ws.on("message", (data, isBinary) => {
        // Force our ACK out now instead of after the 40 ms delayed-ACK timer.
        if (pong && ws.readyState === OPEN) ws.pong(undefined, undefined, ignore);
        if (!channel) return;
        let msg: KernelMessage;
        try {
          msg = channel.protocol === "v1"
            ? deserializeV1(data as Uint8Array)
            : deserializeLegacy(isBinary ? data as Uint8Array : String(data));
        } catch {
          return; // A malformed frame is dropped; the protocol has no way to answer it.
        }
        options.onMessage(msg);
      });
      ws.on("close", (code, reason) => {
        if (!channel) {
          reject(
            new ChannelOpenError(
              `the WebSocket of kernel "${options.kernelId}" closed before opening${
                status ? ` (HTTP ${status})` : ""
              }`,
              status,
              { noSubprotocol },
            ),
          );
          return;
        }
        if (!channel.#closedByUs) options.onClose(code, new TextDecoder().decode(reason));
      });
    });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.#ws.readyState === OPEN;
  }

  /**
   * Sends one message in the channel's framing.
   *
   * @param msg The message; `channel` picks shell/control/stdin.
   * @returns False when the socket is not open (nothing was sent).
   */
  send(msg: KernelMessage<unknown>): boolean {
    if (!this.isOpen) return false;
    this.#ws.send(this.protocol === "v1" ? serializeV1(msg) : serializeLegacy(msg));
    return true;
  }

  /** Closes the socket; `onClose` is not called. */
  close(): void {
    this.#closedByUs = true;
    try {
      this.#ws.close(1000, "client closing");
    } catch {
      this.#ws.terminate();
    }
  }
}

function ignore(): void {}
