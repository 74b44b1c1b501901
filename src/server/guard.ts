/**
 * Request checks in front of every MCP path: the bearer token, and Host /
 * Origin headers against DNS rebinding when bound to loopback.
 *
 * @module
 */

/** What {@link checkRequest} enforces. */
export interface GuardOptions {
  /** Required bearer token; undefined = no token check. */
  authToken?: string;
  /** Host names allowed in `Host` (no port); undefined = any. */
  allowedHosts?: readonly string[];
  /** Host names allowed in `Origin`; a request without Origin passes. */
  allowedOrigins?: readonly string[];
}

/**
 * Checks one request.
 *
 * @returns a 401/403 response to send, or undefined when the request may pass
 */
export function checkRequest(request: Request, options: GuardOptions): Response | undefined {
  if (options.allowedHosts) {
    const host = hostName(request.headers.get("host") ?? "");
    if (!options.allowedHosts.includes(host)) {
      return json(403, `Host header "${host}" is not allowed; connect to 127.0.0.1 or localhost`);
    }
  }
  const origin = request.headers.get("origin");
  if (origin !== null && options.allowedOrigins) {
    let name = "";
    try {
      name = hostName(new URL(origin).host);
    } catch {
      name = origin;
    }
    if (!options.allowedOrigins.includes(name)) {
      return json(403, `Origin "${origin}" is not allowed`);
    }
  }
  if (options.authToken !== undefined) {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(match[1].trim(), options.authToken)) {
      return new Response(
        JSON.stringify({
          error: "unauthorized",
          message: 'send the token of --auth-token-file as "Authorization: Bearer <token>"',
        }),
        {
          status: 401,
          headers: {
            "content-type": "application/json",
            "www-authenticate": 'Bearer realm="sidekernel"',
          },
        },
      );
    }
  }
  return undefined;
}

function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function json(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: "forbidden", message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
