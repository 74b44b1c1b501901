/**
 * Turns façade errors into tool answers: what happened and what to do,
 * with the pod, namespace and the missing RBAC rule spelled out.
 *
 * @module
 */
import {
  InvalidKubeArgumentError,
  KubeApiError,
  KubeConfigError,
  KubeError,
  type KubeRequest,
  KubeTimeoutError,
  KubeUnreachableError,
  NamespaceNotAllowedError,
} from "./errors.ts";

/** The Role rule (YAML) that grants `request`. */
export function roleRule(request: Pick<KubeRequest, "group" | "resource" | "verb">): string {
  return [
    `- apiGroups: ["${request.group}"]`,
    `  resources: ["${request.resource}"]`,
    `  verbs: ["${request.verb}"]`,
  ].join("\n");
}

/** True when a 404 means the metrics.k8s.io API itself is missing (not one pod's metrics). */
export function isMetricsApiAbsent(err: unknown): boolean {
  return err instanceof KubeApiError && err.request.group === "metrics.k8s.io" &&
    (err.status === 404 || err.status === 503) && !err.body?.details?.name;
}

/**
 * Explains any error thrown while serving a pod tool, as one text block.
 *
 * @example
 * ```ts
 * explainKubeError(new NamespaceNotAllowedError("kube-system", ["team-a"]));
 * // 'Namespace "kube-system" is not allowed. Allowed: "team-a". …'
 * ```
 */
export function explainKubeError(err: unknown): string {
  if (err instanceof NamespaceNotAllowedError || err instanceof InvalidKubeArgumentError) {
    return err.message;
  }
  if (err instanceof KubeApiError) return explainApiError(err);
  if (err instanceof KubeTimeoutError) {
    return `The Kubernetes API did not answer within ${
      err.timeoutMs / 1000
    } s (GET "${err.url}"). ` +
      `The API server may be overloaded or unreachable: try again, or narrow the request ` +
      `(limit, labelSelector, tailLines).`;
  }
  if (err instanceof KubeUnreachableError) {
    return `${err.message}. Check that the API server address is right and that a ` +
      `NetworkPolicy or firewall lets this pod reach it.`;
  }
  if (err instanceof KubeConfigError || err instanceof KubeError) return err.message;
  if (err instanceof DOMException && (err.name === "AbortError" || err.name === "TimeoutError")) {
    return `The pod tool call was stopped before it finished (the client cancelled it, or it ` +
      `ran past its time budget). Narrow it (tailLines, limitBytes, labelSelector) and try again.`;
  }
  return `Unexpected error while reading from Kubernetes: ${
    err instanceof Error ? err.message : String(err)
  }`;
}

function explainApiError(err: KubeApiError): string {
  const r = err.request;
  const where = `namespace "${r.namespace}"`;
  const what = r.group ? `"${r.resource}" (API group "${r.group}")` : `"${r.resource}"`;
  switch (err.status) {
    case 401:
      return `The Kubernetes API rejected the credentials (401 Unauthorized). The service-account ` +
        `token or kubeconfig user is missing, expired or revoked: check that the token is ` +
        `mounted (automountServiceAccountToken: true) or log in again.`;
    case 403:
      return `Forbidden: this identity may not "${r.verb}" ${what} in ${where}.\n` +
        `API server said: ${err.apiMessage}\n` +
        `To allow it, add this rule to a Role in ${where} that is bound (RoleBinding) to the ` +
        `service account:\n${roleRule(r)}`;
    case 404:
      if (isMetricsApiAbsent(err)) {
        return `The metrics API (metrics.k8s.io/v1beta1) is not available in this cluster, so ` +
          `there is no CPU/memory usage to show. Install metrics-server, or use pods_get for ` +
          `requests/limits and last termination reasons (e.g. OOMKilled).`;
      }
      if (r.name && r.resource.startsWith("pods")) {
        return r.group
          ? `No metrics for pod "${r.name}" in ${where} (it may not be running, or was just ` +
            `started). Check its status with pods_get.`
          : `Pod "${r.name}" not found in ${where}. List the pods with pods_list.`;
      }
      return `Not found in ${where}: ${err.apiMessage}`;
    case 400:
      return `The Kubernetes API refused the request (400): ${err.apiMessage}`;
    case 410:
      return `The continue token has expired (410 Gone). List again without "continue".`;
    case 429:
    case 503:
      return `The Kubernetes API is busy or unavailable (${err.status} ${err.reason}): ` +
        `${err.apiMessage}. Try again in a few seconds.`;
    default:
      return `The Kubernetes API failed with ${err.status}${err.reason ? ` ${err.reason}` : ""} ` +
        `on GET "${err.request.url}": ${err.apiMessage}. This is a server-side error; ` +
        `try again shortly.`;
  }
}
