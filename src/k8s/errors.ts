/**
 * Typed errors of the Kubernetes façade. Callers branch on the class; every
 * message says what was wanted, what happened and what to do.
 *
 * @module
 */
import { quoteShort } from "../text/quote.ts";
import type { KubeStatus } from "./types.ts";

/** What a read request asked for: enough to name the RBAC rule it needs. */
export interface KubeRequest {
  /** RBAC verb: `get` or `list`. */
  verb: "get" | "list";
  /** API group: `""` for core, `metrics.k8s.io` for metrics. */
  group: string;
  /** RBAC resource, with subresource: `pods`, `pods/log`, `events`. */
  resource: string;
  namespace: string;
  /** Object name for `get`. */
  name?: string;
  /** Full request URL (query included). */
  url: string;
}

/** Base class of every error this module throws. */
export class KubeError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KubeError";
  }
}

/** The API server answered with a non-2xx status. */
export class KubeApiError extends KubeError {
  /** HTTP status code (401, 403, 404, 500, …). */
  readonly status: number;
  /** `Status.reason` (`Forbidden`, `NotFound`, …) or `""`. */
  readonly reason: string;
  /** The server's own message (`Status.message` or the body text). */
  readonly apiMessage: string;
  /** The request that failed. */
  readonly request: KubeRequest;
  /** The parsed `Status` body, if the server sent one. */
  readonly body?: KubeStatus;

  /** Creates the error from the response of `request`. */
  constructor(
    request: KubeRequest,
    status: number,
    body: KubeStatus | undefined,
    text: string,
    options?: ErrorOptions,
  ) {
    const apiMessage = body?.message ?? text.slice(0, 500);
    super(
      `GET "${request.url}" failed with ${status}${
        body?.reason ? ` ${body.reason}` : ""
      }: ${apiMessage}`,
      options,
    );
    this.name = "KubeApiError";
    this.status = status;
    this.reason = body?.reason ?? "";
    this.apiMessage = apiMessage;
    this.request = request;
    this.body = body;
  }
}

/** The API server could not be reached (DNS, refused connection, TLS failure). */
export class KubeUnreachableError extends KubeError {
  /** The URL that could not be fetched. */
  readonly url: string;
  /** Creates the error; `cause` is the network error. */
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super(`Kubernetes API "${url}" is unreachable: ${detail}`, options);
    this.name = "KubeUnreachableError";
    this.url = url;
  }
}

/** The API server did not answer within the request timeout. */
export class KubeTimeoutError extends KubeError {
  /** The URL that timed out. */
  readonly url: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(`Kubernetes API did not answer GET "${url}" within ${timeoutMs / 1000} s`, options);
    this.name = "KubeTimeoutError";
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/** A request named a namespace outside the allowed ones; no API call was made. */
export class NamespaceNotAllowedError extends KubeError {
  /** The namespace that was asked for. */
  readonly namespace: string;
  /** The namespaces that may be used. */
  readonly allowed: readonly string[];
  /** Creates the error. */
  constructor(namespace: string, allowed: readonly string[], why?: string) {
    const list = allowed.map((n) => `"${n}"`).join(", ");
    super(
      `Namespace ${quoteShort(namespace)} is not allowed${why ? ` (${why})` : ""}. ` +
        `Allowed: ${list}. Omit "namespace" to use "${allowed[0]}".`,
    );
    this.name = "NamespaceNotAllowedError";
    this.namespace = namespace;
    this.allowed = allowed;
  }
}

/** An argument (pod name, container, selector) was refused before any API call. */
export class InvalidKubeArgumentError extends KubeError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidKubeArgumentError";
  }
}

/** The cluster configuration (kubeconfig, service-account files) could not be used. */
export class KubeConfigError extends KubeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KubeConfigError";
  }
}
