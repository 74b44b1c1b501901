/**
 * Request checks in front of every MCP path: the bearer token, and Host /
 * Origin headers against DNS rebinding when bound to loopback.
 *
 * @module
 */
import { quoteShort } from "../text/quote.ts";

/** What {@link checkRequest} enforces. */
export interface GuardOptions {
  /** Required bearer token; undefined = no token check. */
  authToken?: string;
  /** Host names allowed in `Host` (no port); undefined = any. */
  allowedHosts?: readonly string[];
  /** Host names allowed in `Origin`; a request without Origin passes. */
  allowedOrigins?: readonly string[];
}

/** `host[:port]` of RFC 9110 §7.2: a reg-name, IPv4 or a bracketed IPv6 literal, digits for the port. */
const HOST_HEADER =
  /^(?:\[[0-9a-f:.]{2,45}(?:%25[0-9a-z._~-]+)?\]|[a-z0-9._~!$&'()*+,;=%-]{1,253})(?::[0-9]{1,5})?$/i;

/**
 * Refuses a request whose `Host` header is missing, empty, repeated or not
 * `host[:port]` (`localhost:evil`, `[::1]evil.com`, 10 KB of text) with 400,
 * on every path; the value is echoed quoted and cut.
 *
 * @returns a 400 response to send, or undefined when `Host` is well formed
 */
export function checkHost(request: Request): Response | undefined {
  const host = request.headers.get("host");
  if (host !== null && HOST_HEADER.test(host)) return undefined;
  const found = host === null ? "no Host header" : `Host ${quoteShort(host)}`;
  return new Response(
    JSON.stringify({
      error: "bad request",
      message: `malformed Host header: wanted host[:port] (e.g. "127.0.0.1:8000"), got ${found}`,
    }),
    { status: 400, headers: { "content-type": "application/json", connection: "close" } },
  );
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
      return json(
        403,
        `Host header ${quoteShort(host)} is not allowed; connect to 127.0.0.1 or localhost`,
      );
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
      return json(403, `Origin ${quoteShort(origin)} is not allowed`);
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
