/**
 * The webhook's worker: serves HTTPS with the narrow permissions of
 * permissions.ts, re-reads the certificate when it changes, and on `stop`
 * finishes the reviews in flight before it reports `stopped`.
 *
 * @module
 */
import { createLogger } from "../obs/log.ts";
import { loadCertPair, watchCertPair } from "./certs.ts";
import { createWebhookHandler } from "./handler.ts";
import { listenHttps } from "./listener.ts";
import { createWebhookMetrics } from "./metrics.ts";
import type { WebhookOptions } from "./options.ts";

/** Messages the main isolate sends. */
export type ToWebhookWorker = { type: "start"; options: WebhookOptions } | { type: "stop" };

/** Messages the worker sends back. */
export type FromWebhookWorker =
  | { type: "listening"; url: string; port: number }
  | { type: "stopped"; code: number };

declare const self: {
  onmessage: ((event: MessageEvent<ToWebhookWorker>) => void) | null;
  postMessage(message: FromWebhookWorker): void;
};

let requestStop: () => void = () => {};
const stopRequested = new Promise<void>((resolve) => requestStop = resolve);

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "stop") {
    requestStop();
    return;
  }
  run(message.options).then(
    (code) => self.postMessage({ type: "stopped", code }),
    () => self.postMessage({ type: "stopped", code: 1 }),
  );
};

async function run(options: WebhookOptions): Promise<number> {
  const logger = createLogger(options.logLevel);
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    logger.error("unhandled rejection", { error: event.reason });
  });
  let stopping = false;
  try {
    const pair = await loadCertPair(options);
    const metrics = createWebhookMetrics();
    const handler = createWebhookHandler({
      inject: options.inject,
      metrics,
      logger,
      notReady: () => stopping ? "shutting down" : undefined,
    });
    const listener = await listenHttps({
      host: options.host,
      port: options.port,
      pair,
      handler,
      logger,
    }).catch((error) => {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new Error(
        `cannot listen on ${options.host}:${options.port} (${code}); ` +
          `choose another --port or --host`,
        { cause: error },
      );
    });
    metrics.certificateExpiry.set({}, Math.floor(pair.notAfter.getTime() / 1000));
    const stopWatching = watchCertPair(options, options.reloadIntervalMs, {
      onChange(next) {
        listener.setCertificate(next);
        metrics.certificateReloads.inc({ result: "ok" });
        metrics.certificateExpiry.set({}, Math.floor(next.notAfter.getTime() / 1000));
        logger.info("certificate reloaded; new connections use it", {
          fingerprint: next.fingerprint,
          notAfter: next.notAfter.toISOString(),
        });
      },
      onError(error) {
        metrics.certificateReloads.inc({ result: "error" });
        logger.warn("certificate change not used; the previous certificate is still served", {
          error: error.message,
        });
      },
    }, pair);
    logger.info("serving the admission webhook over HTTPS", {
      url: listener.url,
      port: listener.port,
      certificate: { fingerprint: pair.fingerprint, notAfter: pair.notAfter.toISOString() },
    });
    self.postMessage({ type: "listening", url: listener.url, port: listener.port });
    await stopRequested;
    stopping = true;
    stopWatching();
    logger.info("stopping: finishing reviews in flight", { graceMs: options.shutdownGraceMs });
    await listener.close(options.shutdownGraceMs);
    logger.info("webhook stopped");
    return 0;
  } catch (error) {
    logger.error("webhook stopped", { error: error instanceof Error ? error.message : error });
    return 1;
  }
}
