/**
 * The webhook's HTTP routes as one function `Request → Response`:
 * `POST /mutate` (AdmissionReview v1 in, AdmissionReview out), `/healthz`,
 * `/readyz` and `/metrics`. The listener (listener.ts) only carries bytes.
 *
 * @module
 */
import type { InjectOptions } from "../inject/core.ts";
import type { Logger } from "../obs/log.ts";
import { METRICS_CONTENT_TYPE, type WebhookMetrics } from "./metrics.ts";
import { decide } from "./mutate.ts";
import { InvalidReviewError, parseAdmissionReview, reviewResponse } from "./review.ts";

/** Largest review body read (the API server's own request limit is 3 MiB, plus oldObject). */
export const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

/** What the handler needs. */
export interface WebhookHandlerOptions {
  /** Injection defaults for the whole cluster (flags); pod annotations override them. */
  inject: InjectOptions;
  metrics: WebhookMetrics;
  logger: Logger;
  /** Why the webhook is not ready (e.g. shutting down), or `undefined` when it is. */
  notReady?: () => string | undefined;
  /** Body limit in bytes (default {@link MAX_REVIEW_BYTES}). */
  maxBytes?: number;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** A request handler. */
export type Handler = (request: Request) => Promise<Response>;

/**
 * Creates the webhook's handler.
 *
 * @example
 * ```ts
 * const handle = createWebhookHandler({ inject: DEFAULT_INJECT_OPTIONS, metrics, logger });
 * const response = await handle(new Request("https://x/mutate", { method: "POST", body }));
 * ```
 */
export function createWebhookHandler(options: WebhookHandlerOptions): Handler {
  const { metrics, logger } = options;
  const now = options.now ?? (() => performance.now());
  const maxBytes = options.maxBytes ?? MAX_REVIEW_BYTES;

  async function mutate(request: Request): Promise<Response> {
    const started = now();
    const invalid = (status: number, message: string, headers: HeadersInit = {}) => {
      metrics.recordReview("invalid", String(status), now() - started);
      logger.warn("admission review refused", { status, error: message });
      return text(status, `sidekernel webhook: ${message}\n`, headers);
    };
    if (request.method !== "POST") {
      return invalid(405, `POST an AdmissionReview to /mutate (got ${request.method})`, {
        allow: "POST",
      });
    }
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") {
      return invalid(
        415,
        `wanted Content-Type "application/json", found "${type || "none"}"`,
      );
    }
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > maxBytes) return invalid(413, `the review is over ${maxBytes} bytes`);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes) return invalid(413, `the review is over ${maxBytes} bytes`);
    let review;
    try {
      review = parseAdmissionReview(new TextDecoder().decode(bytes));
    } catch (error) {
      if (error instanceof InvalidReviewError) return invalid(400, error.message);
      throw error;
    }
    const r = review.request;
    const decision = decide(r, { inject: options.inject });
    const body = JSON.stringify(reviewResponse(decision.response));
    const ms = now() - started;
    metrics.recordReview(decision.outcome, decision.reason ?? "", ms);
    const pod = podLabel(r.object);
    const fields = {
      uid: r.uid,
      namespace: r.namespace ?? "",
      pod,
      operation: r.operation,
      dryRun: r.dryRun === true,
      outcome: decision.outcome,
      reason: decision.reason,
      operations: decision.operations,
      ms: Math.round(ms * 100) / 100,
    };
    if (decision.outcome === "unchanged") logger.debug("admission review", fields);
    else if (decision.outcome === "injected") logger.info("admission review", fields);
    else logger.warn("admission review", fields);
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  }

  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/mutate") return await mutate(request);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "GET only\n", { allow: "GET, HEAD" });
    }
    if (path === "/healthz") return text(200, "ok\n");
    if (path === "/readyz") {
      const why = options.notReady?.();
      return why === undefined ? text(200, "ok\n") : text(503, `not ready: ${why}\n`);
    }
    if (path === "/metrics") {
      return new Response(metrics.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    }
    return text(
      404,
      `no route "${path}"; the webhook serves POST /mutate, /healthz, /readyz, /metrics\n`,
    );
  };
}

function text(status: number, body: string, headers: HeadersInit = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** `namespace/name`, or the `generateName` prefix with `*` when the pod has no name yet. */
function podLabel(object: unknown): string {
  if (typeof object !== "object" || object === null) return "";
  const metadata = (object as { metadata?: { name?: unknown; generateName?: unknown } }).metadata;
  if (typeof metadata?.name === "string" && metadata.name) return metadata.name;
  if (typeof metadata?.generateName === "string") return `${metadata.generateName}*`;
  return "";
}
