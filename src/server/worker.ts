/**
 * The serving worker: runs {@link serve} with the narrow permissions the
 * main isolate computed (see permissions.ts). Messages: `start` in,
 * `stop` in, `beat` out every second (the main isolate's watchdog.ts),
 * `stopped` out.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { ClusterConfig } from "../k8s/config.ts";
import { createLogger } from "../obs/log.ts";
import { serve } from "./serve.ts";
import { BEAT_MS } from "./watchdog.ts";

/** Messages the main isolate sends. */
export type ToWorker =
  | { type: "start"; config: Config; cluster?: ClusterConfig; path?: string }
  | { type: "stop" };

/** Messages the worker sends back. */
export type FromWorker = { type: "stopped"; code: number } | { type: "beat" };

declare const self: {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};

let requestStop: () => void = () => {};
const stop = new Promise<void>((resolve) => requestStop = resolve);

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "stop") {
    requestStop();
    return;
  }
  const logger = createLogger(message.config.logLevel);
  setInterval(() => self.postMessage({ type: "beat" }), BEAT_MS);
  // A stray rejection in a library must not take every session down with it.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    logger.error("unhandled rejection", { error: event.reason });
  });
  serve(message.config, logger, { path: message.path, cluster: message.cluster, stop })
    .then(() => self.postMessage({ type: "stopped", code: 0 }))
    .catch((error) => {
      logger.error("sidekernel stopped", { error });
      self.postMessage({ type: "stopped", code: 1 });
    });
};
