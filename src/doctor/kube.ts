/**
 * Checks of the Kubernetes side: a cluster configuration exists, the API
 * server answers, the own namespace, and which rights the pod tools need are
 * granted (one SelfSubjectAccessReview per right and namespace).
 *
 * @module
 */
import type { KubeConfig } from "../config/config.ts";
import { accessName, AccessReviewError, reviewAccess } from "../k8s/access_review.ts";
import { resolveClusterConfig } from "../k8s/config.ts";
import { clusterOptions } from "../k8s/cluster.ts";
import { KubeError } from "../k8s/errors.ts";
import { type CheckRow, fail, ok, warn } from "./report.ts";

/** Options of {@link checkKube}. */
export interface KubeCheckOptions {
  /** Where the service-account files are (tests). @default the in-cluster path */
  serviceAccountDir?: string;
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
}

/** The Role to apply when rights are missing in `namespace`. */
const roleFix = (namespace: string) =>
  `apply the Role and RoleBinding of deploy/base ` +
  `("kubectl apply -k deploy/base -n ${namespace}"), bound to the pod's ServiceAccount`;

/**
 * Runs the Kubernetes checks.
 *
 * @param kube the `kube` part of the config
 */
export async function checkKube(
  kube: KubeConfig,
  options: KubeCheckOptions = {},
): Promise<CheckRow[]> {
  const resolved = await resolveClusterConfig({
    ...clusterOptions(kube),
    serviceAccountDir: options.serviceAccountDir,
    timeoutMs: options.timeoutMs,
  });
  if (resolved.kind === "absent") {
    return [
      warn(
        "kubernetes config",
        `none found (${resolved.detail}): the pods toolset is left out`,
        `in a pod: mount the service-account token into the sidecar (sidekernel inject does); ` +
          `elsewhere: pass --kubeconfig FILE`,
      ),
    ];
  }
  if (resolved.kind === "invalid") {
    return [
      fail("kubernetes config", resolved.detail, `fix --kubeconfig / --context or the file`),
    ];
  }
  const config = resolved.config;
  const source = config.source.kind === "in-cluster"
    ? "in-cluster service account"
    : `kubeconfig "${config.source.path}", context "${config.source.context}"`;
  const rows: CheckRow[] = [ok("kubernetes config", source)];

  const decisions = [];
  try {
    for (const ns of config.namespaces) decisions.push(...await reviewAccess(config, ns));
  } catch (e) {
    rows.push(apiFailure(config.server, e));
    return rows;
  }
  rows.push(ok("kubernetes api", `"${config.server}" answers and accepts the credentials`));
  const others = config.namespaces.filter((n) => n !== config.ownNamespace);
  rows.push(
    ok(
      "namespace",
      `own "${config.ownNamespace}"` +
        (others.length ? `; also allowed: ${others.map((n) => `"${n}"`).join(", ")}` : ""),
    ),
  );
  for (const d of decisions) {
    const name = `${d.need.verb} ${accessName(d.need)}`;
    const where = `in "${d.namespace}"`;
    if (d.allowed) {
      rows.push(ok(name, `granted ${where} (${d.need.usedBy})`));
      continue;
    }
    const detail = `denied ${where}: ${d.need.usedBy} will fail` +
      (d.reason ? ` (${d.reason})` : "");
    rows.push(
      d.need.group === "metrics.k8s.io"
        ? warn(name, detail, `${roleFix(d.namespace)}; pods_top also needs metrics-server`)
        : fail(name, detail, roleFix(d.namespace)),
    );
  }
  return rows;
}

function apiFailure(server: string, e: unknown): CheckRow {
  if (e instanceof AccessReviewError && e.status === 401) {
    return fail(
      "kubernetes api",
      `"${server}" refused the credentials (401)`,
      `check the service-account token (or the kubeconfig user); a deleted ServiceAccount ` +
        `invalidates its tokens`,
    );
  }
  if (e instanceof AccessReviewError) {
    return fail(
      "kubernetes api",
      e.message,
      `the credentials may not ask SelfSubjectAccessReview (normally every user may: ` +
        `ClusterRole "system:basic-user"); ask the cluster admin`,
    );
  }
  const detail = e instanceof KubeError || e instanceof Error ? e.message : String(e);
  return fail(
    "kubernetes api",
    detail,
    `check that "${server}" is reachable from here (network policy egress to the API server, ` +
      `DNS, proxy) and that the permission set allows it`,
  );
}
