/**
 * Which Kubernetes rights the pod tools need, and whether the current
 * credentials have them: one `SelfSubjectAccessReview` per right.
 *
 * A review is a POST that *creates a question*, not an object: the API server
 * answers it and stores nothing, and every authenticated user may ask it about
 * themselves. It is the only non-GET request sidekernel sends, and only from
 * `sidekernel doctor`.
 *
 * @module
 */
import type { ClusterConfig } from "./config.ts";
import { KubeConfigError, KubeError, KubeTimeoutError, KubeUnreachableError } from "./errors.ts";

/** One right the pod tools use, in RBAC terms. */
export interface AccessNeed {
  verb: "get" | "list";
  /** API group: `""` for core. */
  group: string;
  resource: string;
  subresource?: string;
  /** The tools that stop working without it. */
  usedBy: string;
}

/**
 * Every right the pod tools use (see `node_client.ts`: one GET per right).
 * `doctor` checks these and the Role in `deploy/` grants them.
 */
export const REQUIRED_ACCESS: readonly AccessNeed[] = Object.freeze([
  { verb: "list", group: "", resource: "pods", usedBy: "pods_list, readiness" },
  { verb: "get", group: "", resource: "pods", usedBy: "pods_get" },
  { verb: "get", group: "", resource: "pods", subresource: "log", usedBy: "pods_log" },
  { verb: "list", group: "", resource: "events", usedBy: "events_list, pods_get" },
  { verb: "list", group: "metrics.k8s.io", resource: "pods", usedBy: "pods_top" },
  { verb: "get", group: "metrics.k8s.io", resource: "pods", usedBy: "pods_top NAME" },
]);

/** The RBAC name of a need: `pods/log`, `pods.metrics.k8s.io`. */
export function accessName(need: Pick<AccessNeed, "group" | "resource" | "subresource">): string {
  const resource = need.subresource ? `${need.resource}/${need.subresource}` : need.resource;
  return need.group ? `${resource}.${need.group}` : resource;
}

/** The answer of one review. */
export interface AccessDecision {
  need: AccessNeed;
  namespace: string;
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

/** The API server refused or failed a review (not "denied": the review itself failed). */
export class AccessReviewError extends KubeError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Creates the error. */
  constructor(server: string, status: number, detail: string, options?: ErrorOptions) {
    super(
      `POST SelfSubjectAccessReview to "${server}" failed with ${status}: ${detail}`,
      options,
    );
    this.name = "AccessReviewError";
    this.status = status;
  }
}

const REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/**
 * Asks the API server, for each need, whether the configured credentials may
 * do it in `namespace`. The client library is loaded on the first call.
 *
 * @param config the resolved cluster configuration (its credentials are used)
 * @param namespace the namespace the rights are needed in
 * @param needs the rights to ask about
 * @default needs REQUIRED_ACCESS
 * @throws {KubeUnreachableError} when the API server cannot be reached
 * @throws {KubeTimeoutError} when it does not answer within `config.timeoutMs`
 * @throws {AccessReviewError} when it answers a review with an error status
 * @throws {KubeConfigError} when the credentials cannot be loaded
 * @example
 * ```ts
 * const decisions = await reviewAccess(config, config.ownNamespace);
 * const missing = decisions.filter((d) => !d.allowed).map((d) => accessName(d.need));
 * ```
 */
export async function reviewAccess(
  config: ClusterConfig,
  namespace: string,
  needs: readonly AccessNeed[] = REQUIRED_ACCESS,
): Promise<AccessDecision[]> {
  const { buildKubeConfig } = await import("./node_client.ts");
  const kc = buildKubeConfig(config);
  const server = kc.getCurrentCluster()?.server?.replace(/\/$/, "") ?? config.server;
  const opts: {
    ca?: unknown;
    cert?: unknown;
    key?: unknown;
    auth?: string;
    rejectUnauthorized?: boolean;
    headers?: Record<string, unknown>;
  } = {};
  try {
    await kc.applyToHTTPSOptions(opts as Parameters<typeof kc.applyToHTTPSOptions>[0]);
  } catch (e) {
    throw new KubeConfigError(`Cannot authenticate to "${server}": ${String(e)}`, { cause: e });
  }
  const client = Deno.createHttpClient({
    caCerts: opts.ca ? [String(opts.ca)] : undefined,
    cert: opts.cert ? String(opts.cert) : undefined,
    key: opts.key ? String(opts.key) : undefined,
  } as Deno.CreateHttpClientOptions);
  const headers = new Headers({ Accept: "application/json", "Content-Type": "application/json" });
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v !== undefined) headers.set(k, String(v));
  }
  if (opts.auth && !headers.has("authorization")) {
    headers.set("Authorization", `Basic ${btoa(opts.auth)}`);
  }
  try {
    const decisions: AccessDecision[] = [];
    for (const need of needs) {
      decisions.push(await reviewOne(server, client, headers, need, namespace, config.timeoutMs));
    }
    return decisions;
  } finally {
    client.close();
  }
}

async function reviewOne(
  server: string,
  client: Deno.HttpClient,
  headers: Headers,
  need: AccessNeed,
  namespace: string,
  timeoutMs: number,
): Promise<AccessDecision> {
  const url = server + REVIEW_PATH;
  const body = {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    spec: {
      resourceAttributes: {
        namespace,
        verb: need.verb,
        group: need.group,
        resource: need.resource,
        ...(need.subresource ? { subresource: need.subresource } : {}),
      },
    },
  };
  const signal = AbortSignal.timeout(timeoutMs);
  let resp: Response;
  try {
    resp = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal,
      client,
    });
  } catch (e) {
    if (signal.aborted) throw new KubeTimeoutError(url, timeoutMs, { cause: e });
    throw new KubeUnreachableError(server, e instanceof Error ? e.message : String(e), {
      cause: e,
    });
  }
  const text = await resp.text();
  let parsed: { status?: { allowed?: boolean; reason?: string }; message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the raw text for the error below
  }
  if (!resp.ok) {
    throw new AccessReviewError(server, resp.status, parsed.message ?? text.slice(0, 300));
  }
  return {
    need,
    namespace,
    allowed: parsed.status?.allowed === true,
    reason: parsed.status?.reason || undefined,
  };
}
