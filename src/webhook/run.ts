/**
 * `sidekernel webhook`: parses the flags, checks the certificate once, and
 * runs the webhook in a worker that holds only the permissions of
 * permissions.ts. SIGINT/SIGTERM stop it gracefully.
 *
 * @module
 */
import { UsageError } from "../config/errors.ts";
import { createLogger } from "../obs/log.ts";
import { CertificateError, loadCertPair } from "./certs.ts";
import { WEBHOOK_HELP } from "./help.ts";
import { parseWebhookArgs } from "./options.ts";
import { webhookPermissions } from "./permissions.ts";
import type { FromWebhookWorker, ToWebhookWorker } from "./worker.ts";

/** Where the command writes. */
export interface WebhookIO {
  stdout(text: string): void;
}

/**
 * Runs `sidekernel webhook ARGS` until SIGTERM/SIGINT.
 *
 * @returns the exit code: 0 after a clean stop, 1 when serving failed
 * @throws {UsageError} for a bad flag or unusable certificate files (exit 2)
 */
export async function runWebhook(args: string[], io: WebhookIO, cwd: string): Promise<number> {
  const parsed = parseWebhookArgs(args, cwd);
  if (parsed.help) {
    io.stdout(WEBHOOK_HELP);
    return 0;
  }
  const options = parsed.options;
  try {
    await loadCertPair(options);
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    const flag = error.path === options.keyFile ? "tls-key-file" : "tls-cert-file";
    throw new UsageError(flag, error.message, { cause: error });
  }
  const logger = createLogger(options.logLevel);
  const permissions = webhookPermissions(options);
  logger.info("webhook worker permissions", { permissions });
  // From a bundle (scripts/bundle.sh) the worker is webhook/worker.js next to this chunk.
  const here = import.meta.url;
  const module = new URL(here.endsWith(".ts") ? "./worker.ts" : "./webhook/worker.js", here);
  const worker = new Worker(module, {
    type: "module",
    name: "sidekernel-webhook",
    deno: { permissions },
  } as WorkerOptions);
  const send = (message: ToWebhookWorker) => worker.postMessage(message);
  const stopped = new Promise<number>((resolve) => {
    worker.onmessage = (event: MessageEvent<FromWebhookWorker>) => {
      if (event.data.type === "stopped") resolve(event.data.code);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      logger.error("webhook worker failed", { error: event.message });
      resolve(1);
    };
  });
  const stop = () => send({ type: "stop" });
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  send({ type: "start", options });
  const code = await stopped;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  worker.terminate();
  return code;
}
