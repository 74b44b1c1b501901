/**
 * A TCP proxy on 127.0.0.1 for fault tests: it forwards to a target port and
 * can, at any moment, delay every chunk, cut live connections mid-stream,
 * reset them (RST), or reset every new connection. It knows nothing about
 * the protocol above TCP, so it works for HTTP, WebSocket and TLS alike.
 *
 * @module
 */
import net from "node:net";

/** What the proxy does with a new connection. */
export type ProxyMode =
  /** Forward (after `delayMs` per chunk, if set). */
  | "forward"
  /** Accept, then reset at once, like an API server whose process is crashing. */
  | "reset";

/** One proxied connection as the proxy saw it. */
export interface ProxiedConnection {
  /** The first line the client sent (e.g. `GET /api/kernels/… HTTP/1.1`), "" for TLS. */
  readonly firstLine: string;
  /** True when the first request asked for a WebSocket upgrade. */
  readonly websocket: boolean;
  /** Bytes the target sent to the client so far. */
  readonly bytesDown: number;
}

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Where new connections go; change it to switch targets. */
  targetPort: number;
  mode: ProxyMode;
  /** Delay added to every chunk in both directions, in ms (order is kept). */
  delayMs: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Live connections. */
  live(): ProxiedConnection[];
  /**
   * Closes the live connections that match `which` (all by default) on both
   * sides, as a NAT timeout or a network partition would.
   *
   * @param which Picks the connections to cut.
   * @param reset Send RST instead of FIN.
   * @returns How many were cut.
   */
  cut(which?: (c: ProxiedConnection) => boolean, reset?: boolean): number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

interface Pair {
  firstLine: string;
  websocket: boolean;
  bytesDown: number;
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * Starts a proxy on a free loopback port that forwards to `targetPort`.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy(8888);
 * proxy.delayMs = 200;                       // slow network
 * proxy.cut((c) => c.websocket);             // drop the kernel WebSocket
 * await proxy.close();
 * ```
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  const state = { targetPort, mode: "forward" as ProxyMode, delayMs: 0 };

  const server = net.createServer((client) => {
    accepted++;
    client.setNoDelay(true);
    if (state.mode === "reset") {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: "127.0.0.1", port: state.targetPort, noDelay: true });
    const pair: Pair = { client, upstream, firstLine: "", websocket: false, bytesDown: 0 };
    pairs.add(pair);
    let sniffed = false;
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    pump(client, upstream, state, (chunk) => {
      if (sniffed) return;
      sniffed = true;
      const text = new TextDecoder().decode(chunk.subarray(0, 2048));
      pair.firstLine = /^[A-Z]+ \S+ HTTP\/1\.1/.test(text) ? text.split("\r\n")[0] : "";
      pair.websocket = /^upgrade:\s*websocket/im.test(text);
    });
    pump(upstream, client, state, (chunk) => pair.bytesDown += chunk.length);
  });
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  server.once("error", reject);
  server.listen(0, "127.0.0.1", () => resolve());
  await promise;
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get targetPort() {
      return state.targetPort;
    },
    set targetPort(value: number) {
      state.targetPort = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: ProxyMode) {
      state.mode = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get accepted() {
      return accepted;
    },
    live: () => [...pairs],
    cut(which = () => true, reset = false) {
      let n = 0;
      for (const pair of [...pairs]) {
        if (!which(pair)) continue;
        n++;
        pairs.delete(pair);
        if (reset) {
          pair.client.resetAndDestroy();
          pair.upstream.resetAndDestroy();
        } else {
          pair.client.destroy();
          pair.upstream.destroy();
        }
      }
      return n;
    },
    async close() {
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Copies `from` → `to`, keeping order, holding each chunk `delayMs` first. */
function pump(
  from: net.Socket,
  to: net.Socket,
  state: { delayMs: number },
  onChunk: (chunk: Uint8Array) => void,
): void {
  let chain = Promise.resolve();
  from.on("data", (chunk: Uint8Array) => {
    onChunk(chunk);
    const delay = state.delayMs;
    if (delay <= 0) {
      chain = chain.then(() => void (to.destroyed || to.write(chunk)));
      return;
    }
    from.pause();
    chain = chain
      .then(() => new Promise<void>((r) => setTimeout(r, delay)))
      .then(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      });
  });
  from.on("end", () => void chain.then(() => to.end()));
}
