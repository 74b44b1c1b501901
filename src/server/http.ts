/**
 * The HTTP front: the handler of handler.ts on the listener of listen.ts
 * (header, request and write timeouts, a connection cap), and its shutdown.
 *
 * @module
 */
import { createHttpHandler, type HandlerOptions, type ServerKind } from "./handler.ts";
import { listen, type ListenOptions } from "./listen.ts";

export type { ServerKind };
export { SSE_RETRY_MS } from "./legacy.ts";

/** What the HTTP front needs: the handler's options, where to listen, and how. */
export interface HttpOptions extends HandlerOptions {
  hostname: string;
  port: number;
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
  const handler = createHttpHandler(options);
  const listener = await listen(handler.fetch, {
    ...options.connections,
    hostname: options.hostname,
    port: options.port,
    onError: (error) => options.logger.error("HTTP connection failed", { error }),
  });
  return {
    port: listener.port,
    shutdown: async () => {
      // Let answers in flight reach their clients, then close the sessions:
      // open SSE streams would keep the listener open.
      await handler.written(3000);
      await handler.close();
      await listener.close(3000);
    },
  };
}
