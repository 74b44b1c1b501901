/**
 * The probes of the README's endpoint table: `/healthz` (liveness: the
 * process answers and its file-I/O pool is not stuck), `/readyz` (the named
 * readiness checks) and `/metrics`. They need nothing of MCP, so the HTTP
 * front answers them before the MCP surface is loaded (http.ts).
 *
 * @module
 */
import type { Readiness } from "../exec/executor.ts";
import type { Logger } from "../obs/log.ts";
import { type Metrics, METRICS_CONTENT_TYPE } from "../obs/metrics.ts";
import type { IoHealth } from "./liveness.ts";

/** What the probes check. */
export interface ProbeOptions {
  /** Named readiness checks for `/readyz`. */
  readiness: () => Promise<Record<string, Readiness>>;
  /** What `/healthz` checks besides answering at all (the file-I/O pool). */
  liveness?: () => Promise<IoHealth>;
  metrics: Metrics;
  logger: Logger;
}

/** The normalised path of a probe (`/healthz/` is `/healthz`), or undefined. */
export function probePath(pathname: string): string | undefined {
  const path = pathname.replace(/\/+$/, "") || "/";
  return path === "/healthz" || path === "/readyz" || path === "/metrics" ? path : undefined;
}

/**
 * Makes the probe answerer.
 *
 * @returns a function that answers a path {@link probePath} accepted
 */
export function createProbes(options: ProbeOptions): (path: string) => Promise<Response> {
  const { logger, metrics } = options;
  return async (path) => {
    if (path === "/metrics") {
      return new Response(metrics.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    }
    if (path === "/healthz") {
      const io = await options.liveness?.();
      if (!io || io.ok) return new Response("ok\n");
      logger.error("liveness check failed", { reason: io.message });
      return new Response(`not live: ${io.message}\n`, { status: 503 });
    }
    const checks = await options.readiness();
    const ok = Object.values(checks).every((c) => c.ok);
    return new Response(JSON.stringify({ ok, checks }, null, 2) + "\n", {
      status: ok ? 200 : 503,
      headers: { "content-type": "application/json" },
    });
  };
}
