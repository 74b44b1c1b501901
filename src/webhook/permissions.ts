/**
 * The permissions of the webhook's worker: listen on its address and port,
 * read its two certificate files, nothing else. No environment, no writes, no
 * processes, no outbound network: the webhook needs no API access (what it
 * decides comes from the AdmissionReview alone), so a flaw in the code that
 * parses reviews reaches nothing (see docs/DEPLOY.md, "Automatic injection").
 *
 * @module
 */
import type { WebhookOptions } from "./options.ts";

/** Deno permissions for the webhook's Worker (`WorkerOptions.deno.permissions`). */
export interface WebhookWorkerPermissions {
  net: string[];
  read: string[];
  write: false;
  run: false;
  env: false;
  sys: false;
  ffi: false;
  import: false;
}

/**
 * Computes the worker's permissions from the options.
 *
 * @example
 * ```ts
 * webhookPermissions(options).net; // ["0.0.0.0:8443"]
 * ```
 */
export function webhookPermissions(
  options: Pick<WebhookOptions, "host" | "port" | "certFile" | "keyFile">,
): WebhookWorkerPermissions {
  const host = options.host.includes(":") && !options.host.startsWith("[")
    ? `[${options.host}]`
    : options.host;
  return {
    net: [options.port === 0 ? host : `${host}:${options.port}`],
    read: [...new Set([options.certFile, options.keyFile])],
    write: false,
    run: false,
    env: false,
    sys: false,
    ffi: false,
    import: false,
  };
}
