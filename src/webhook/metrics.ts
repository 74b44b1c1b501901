/**
 * The webhook's Prometheus series (served at `/metrics`): reviews by outcome,
 * their latency, and the certificate it serves. Built from the metric types of
 * src/obs/metrics.ts, so the text format is the one `serve` exports.
 *
 * @module
 */
import { Counter, Gauge, Histogram, METRICS_CONTENT_TYPE } from "../obs/metrics.ts";
import { VERSION } from "../version.ts";
import type { ReviewOutcome } from "./mutate.ts";

export { METRICS_CONTENT_TYPE };

/** Buckets of the review latency histogram, in seconds (the API server waits up to 30 s). */
export const REVIEW_BUCKETS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  10,
];

/** Outcome of a certificate reload. */
export type ReloadResult = "ok" | "error";

/** The webhook's series; create one set per process with {@link createWebhookMetrics}. */
export interface WebhookMetrics {
  /** `sidekernel_webhook_reviews_total{outcome,reason}`; outcome `invalid` is an HTTP 400. */
  readonly reviews: Counter<"outcome" | "reason">;
  /** `sidekernel_webhook_review_duration_seconds{outcome}`: body read to answer written. */
  readonly reviewDuration: Histogram<"outcome">;
  /** `sidekernel_webhook_certificate_reloads_total{result}` */
  readonly certificateReloads: Counter<"result">;
  /** `sidekernel_webhook_certificate_expiry_seconds`: notAfter of the served certificate (Unix s). */
  readonly certificateExpiry: Gauge;
  /** Records one review: its outcome, reason and duration in milliseconds. */
  recordReview(outcome: ReviewOutcome | "invalid", reason: string, durationMs: number): void;
  /** The exposition text (serve it with {@link METRICS_CONTENT_TYPE}). */
  render(): string;
}

/**
 * Creates an empty set of the webhook's series.
 *
 * @example
 * ```ts
 * const metrics = createWebhookMetrics();
 * metrics.recordReview("injected", "", 1.2);
 * metrics.render(); // "…sidekernel_webhook_reviews_total{outcome=\"injected\",reason=\"\"} 1…"
 * ```
 */
export function createWebhookMetrics(): WebhookMetrics {
  const p = "sidekernel_webhook_";
  const buildInfo = new Gauge("sidekernel_build_info", "sidekernel build; the value is 1.", [
    "version",
  ]);
  buildInfo.set({ version: VERSION }, 1);
  const started = new Gauge("process_start_time_seconds", "Start time of the process (Unix s).");
  started.set({}, Math.floor(Date.now() / 1000));
  const series = {
    reviews: new Counter(
      `${p}reviews_total`,
      "AdmissionReviews answered, by outcome (injected, unchanged, skipped, denied, rejected, " +
        "error, invalid) and the reason given.",
      ["outcome", "reason"],
    ),
    reviewDuration: new Histogram(
      `${p}review_duration_seconds`,
      "Time from a review's arrival to its answer, by outcome.",
      ["outcome"],
      REVIEW_BUCKETS,
    ),
    certificateReloads: new Counter(
      `${p}certificate_reloads_total`,
      "Certificate changes seen on disk, by result (error: the old certificate is kept).",
      ["result"],
    ),
    certificateExpiry: new Gauge(
      `${p}certificate_expiry_seconds`,
      "notAfter of the certificate being served (Unix s).",
    ),
  };
  const all = [...Object.values(series), buildInfo, started];
  return {
    ...series,
    recordReview(outcome, reason, durationMs) {
      series.reviews.inc({ outcome, reason });
      series.reviewDuration.observe({ outcome }, durationMs / 1000);
    },
    render() {
      const lines: string[] = [];
      for (const metric of all) metric.render(lines);
      return lines.join("\n") + "\n";
    },
  };
}
