/**
 * Failure modes of the Kubernetes API that the fake API server does not have,
 * added from outside it: a TCP proxy in front of {@link FakeKube} (connection
 * resets, cuts, delays) that can also be switched to a throttling HTTPS server
 * answering every request `429 Too Many Requests` with `Retry-After`, using the
 * fake's own certificate so TLS still verifies.
 *
 * @module
 */
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { FakeKube } from "../../support/fake_kube.ts";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";

/** A fake API server with extra faults in front of it. */
export interface KubeFront {
  /** The proxy the kubeconfig points at. */
  readonly proxy: TcpProxy;
  /** `https://127.0.0.1:<proxy port>` */
  readonly url: string;
  /** Send every new connection to the throttling server (429 + `Retry-After`). */
  throttle(retryAfterSeconds: number): void;
  /** Send new connections to the fake API server again (the default). */
  normal(): void;
  /** Requests the throttling server answered. */
  readonly throttled: number;
  /** Writes a kubeconfig that points at the proxy; returns its path. */
  writeKubeconfig(dir: string, token: string, namespace: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Puts a proxy and a throttling server in front of `kube`.
 *
 * @example
 * ```ts
 * const front = await startKubeFront(kube);
 * front.proxy.mode = "reset";   // every new connection is reset
 * front.throttle(7);            // 429 with Retry-After: 7
 * ```
 */
export async function startKubeFront(kube: FakeKube): Promise<KubeFront> {
  let throttled = 0;
  let retryAfter = 1;
  const throttler = createServer(
    { cert: kube.certs.cert, key: kube.certs.key, noDelay: true },
    (req, res) => {
      throttled++;
      req.resume();
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": String(retryAfter),
      });
      res.end(JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Too many requests, please try again later.",
        reason: "TooManyRequests",
        details: { retryAfterSeconds: retryAfter },
        code: 429,
      }));
    },
  );
  const { promise, resolve } = Promise.withResolvers<number>();
  throttler.listen(0, "127.0.0.1", () => resolve((throttler.address() as AddressInfo).port));
  const throttlePort = await promise;
  const proxy = await startTcpProxy(kube.port);
  const url = `https://127.0.0.1:${proxy.port}`;
  return {
    proxy,
    url,
    throttle(seconds) {
      retryAfter = seconds;
      proxy.mode = "forward";
      proxy.targetPort = throttlePort;
      proxy.cut(); // kept-alive connections would still reach the old target
    },
    normal() {
      proxy.mode = "forward";
      proxy.targetPort = kube.port;
      proxy.cut();
    },
    get throttled() {
      return throttled;
    },
    async writeKubeconfig(dir, token, namespace) {
      const path = await kube.writeKubeconfig(dir, token, { namespace, name: "kubeconfig-front" });
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(path, text.replace(`server: ${kube.url}`, `server: ${url}`));
      return path;
    },
    async close() {
      await proxy.close();
      throttler.closeAllConnections();
      await new Promise<void>((done) => throttler.close(() => done()));
    },
  };
}
