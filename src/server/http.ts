/**
 * The HTTP front: the listener of listen.ts (header, request and write
 * timeouts, a connection cap), the probes, and the MCP handler of handler.ts,
 * which is built on the first request that is not a probe. Until then the
 * MCP SDK, zod and the tools are not loaded: an idle sidecar that only
 * answers its probes costs that much less memory and is ready sooner
 * (docs/PERFORMANCE.md, "Where the memory goes").
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { httpPathLabel, type Metrics, statusLabel } from "../obs/metrics.ts";
import { checkHost } from "./guard.ts";
import { listen, type ListenOptions } from "./listen.ts";
import { createProbes, type ProbeOptions, probePath } from "./probes.ts";

/** The MCP side of the front, as handler.ts makes it. */
export interface McpFront {
  /** Answers one request; never throws (a failure is a plain 500). */
  fetch(request: Request): Promise<Response>;
  /** Resolves when no answer stream is in flight, or after `ms`. */
  written(ms: number): Promise<void>;
  /** Closes every session and aborts the 2026-07-28 exchanges in flight. */
  close(): Promise<void>;
}

/** What the HTTP front needs: where to listen, the probes, and how to build the MCP side. */
export interface HttpOptions extends ProbeOptions {
  hostname: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** Builds the MCP handler; called once, on the first request that is not a probe. */
  mcp: () => Promise<McpFront>;
  /** Connection limits and timeouts of the listener (defaults in listen.ts). */
  connections?: Omit<ListenOptions, "hostname" | "port" | "onError">;
}

/** A running HTTP front. */
export interface HttpFront {
  /** The bound port (useful with `--port 0`). */
  port: number;
  /** Stops accepting, closes every session. */
  shutdown(): Promise<void>;
}

/** Starts the HTTP front. */
export async function startHttp(options: HttpOptions): Promise<HttpFront> {
  const { logger, metrics } = options;
  const probes = createProbes(options);
  let mcp: Promise<McpFront> | undefined;
  const loadMcp = () =>
    mcp ??= options.mcp().catch((error) => {
      mcp = undefined;
      throw error;
    });
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const probe = probePath(url.pathname);
    if (!probe) {
      try {
        return await (await loadMcp()).fetch(request);
      } catch (error) {
        logger.error("the MCP handler could not be built", { error });
        return new Response("internal error\n", { status: 500 });
      }
    }
    const response = checkHost(request) ?? await probes(probe);
    metrics.httpRequests.inc({
      path: httpPathLabel(url.pathname),
      status: statusLabel(response.status),
    });
    return response;
  };
  const listener = await listen(fetch, {
    ...options.connections,
    hostname: options.hostname,
    port: options.port,
    onError: (error) => logger.error("HTTP connection failed", { error }),
  });
  return {
    port: listener.port,
    shutdown: async () => {
      // Let answers in flight reach their clients, then close the sessions:
      // open SSE streams would keep the listener open.
      const handler = await mcp?.catch(() => undefined);
      await handler?.written(3000);
      await handler?.close();
      await listener.close(3000);
    },
  };
}
