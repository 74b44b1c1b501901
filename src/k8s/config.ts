/**
 * Finds the cluster configuration without loading the Kubernetes client:
 * an explicit kubeconfig, else in-cluster service-account files, else
 * `KUBECONFIG`, else `~/.kube/config`. Every environment-derived value comes
 * in as an option; this module never reads the environment.
 *
 * @module
 */
import { isDnsLabel } from "./guard.ts";

/** The default service-account directory mounted into pods. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Default per-request timeout of the Kubernetes client. */
export const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

/** Inputs of {@link resolveClusterConfig}; the config layer fills them from flags and env. */
export interface ClusterConfigOptions {
  /** `--kubeconfig`: wins over in-cluster configuration. */
  kubeconfigPath?: string;
  /** `KUBECONFIG` (path list separated by ":"; the first existing file is used). */
  kubeconfigEnv?: string;
  /** `--context`; default: the kubeconfig's current context. */
  context?: string;
  /** `--namespace` (repeatable); default: the own namespace only. */
  namespaces?: readonly string[];
  /** `POD_NAMESPACE` from the downward API. */
  podNamespace?: string;
  /** `POD_NAME` from the downward API (default pod of `pods_get`). */
  podName?: string;
  /** @default {"/var/run/secrets/kubernetes.io/serviceaccount"} */
  serviceAccountDir?: string;
  /** `KUBERNETES_SERVICE_HOST` (in-cluster only). */
  apiServerHost?: string;
  /** `KUBERNETES_SERVICE_PORT` (in-cluster only). @default {"443"} */
  apiServerPort?: string | number;
  /** `HOME`, for `~/.kube/config`. */
  home?: string;
  /** Per-request timeout. @default {10000} */
  timeoutMs?: number;
}

/** How to reach the API server. */
export type ClusterSource =
  | { kind: "in-cluster"; tokenFile: string; caFile: string }
  | { kind: "kubeconfig"; path: string; context: string };

/** A usable cluster configuration. */
export interface ClusterConfig {
  source: ClusterSource;
  /** API server base URL, e.g. `https://10.0.0.1:443`. */
  server: string;
  /** The sidecar's own namespace. */
  ownNamespace: string;
  /** Namespaces the tools may touch; the first is the default. */
  namespaces: readonly string[];
  /** The sidecar's own pod name, if known. */
  podName?: string;
  timeoutMs: number;
}

/** Result of {@link resolveClusterConfig}. */
export type ClusterConfigResult =
  | { kind: "ready"; config: ClusterConfig }
  /** Nothing configured: leave the pods toolset out. */
  | { kind: "absent"; detail: string }
  /** Something is configured but cannot be used (named in `detail`). */
  | { kind: "invalid"; detail: string };

/**
 * Resolves where the cluster is and which namespaces may be used.
 *
 * @example
 * ```ts
 * const r = await resolveClusterConfig({ kubeconfigPath: "/tmp/kubeconfig" });
 * if (r.kind === "ready") console.log(r.config.ownNamespace);
 * ```
 */
export async function resolveClusterConfig(
  options: ClusterConfigOptions,
): Promise<ClusterConfigResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const saNamespace = (await readOptional(`${saDir}/namespace`))?.trim() || undefined;

  let base: Omit<ClusterConfig, "ownNamespace" | "namespaces" | "podName" | "timeoutMs">;
  let contextNamespace: string | undefined;
  const tokenFile = `${saDir}/token`;
  const explicit = options.kubeconfigPath;
  if (explicit) {
    const r = await fromKubeconfig(explicit, options.context, true);
    if (r.kind !== "ok") return r;
    ({ base, contextNamespace } = r);
  } else if (await exists(tokenFile) && options.apiServerHost) {
    const host = options.apiServerHost.includes(":") && !options.apiServerHost.startsWith("[")
      ? `[${options.apiServerHost}]`
      : options.apiServerHost;
    base = {
      source: { kind: "in-cluster", tokenFile, caFile: `${saDir}/ca.crt` },
      server: `https://${host}:${options.apiServerPort ?? 443}`,
    };
  } else {
    const candidates = [
      ...(options.kubeconfigEnv ?? "").split(":").filter((p) => p !== ""),
      ...(options.home ? [`${options.home}/.kube/config`] : []),
    ];
    const path = await firstExisting(candidates);
    if (!path) {
      return {
        kind: "absent",
        detail: `no service-account token in "${saDir}" (or no API host) and no kubeconfig` +
          (candidates.length ? ` at ${candidates.map((c) => `"${c}"`).join(", ")}` : ""),
      };
    }
    const r = await fromKubeconfig(path, options.context, false);
    if (r.kind !== "ok") return r;
    ({ base, contextNamespace } = r);
  }

  const ownNamespace = (base.source.kind === "in-cluster" ? saNamespace : undefined) ??
    options.podNamespace ?? contextNamespace ?? saNamespace ?? "default";
  const namespaces = options.namespaces?.length ? [...options.namespaces] : [ownNamespace];
  const bad = namespaces.find((ns) => !isDnsLabel(ns));
  if (bad !== undefined) {
    return { kind: "invalid", detail: `namespace "${bad}" is not a valid namespace name` };
  }
  return {
    kind: "ready",
    config: Object.freeze({
      ...base,
      ownNamespace,
      namespaces: Object.freeze(namespaces),
      podName: options.podName || undefined,
      timeoutMs,
    }),
  };
}

type KubeconfigResult =
  | {
    kind: "ok";
    base: Omit<ClusterConfig, "ownNamespace" | "namespaces" | "podName" | "timeoutMs">;
    contextNamespace?: string;
  }
  | { kind: "invalid"; detail: string };

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name: string; context?: { cluster?: string; namespace?: string } }[];
  clusters?: { name: string; cluster?: { server?: string } }[];
}

async function fromKubeconfig(
  path: string,
  context: string | undefined,
  explicit: boolean,
): Promise<KubeconfigResult> {
  const text = await readOptional(path);
  if (text === undefined) {
    return {
      kind: "invalid",
      detail: `kubeconfig "${path}" does not exist${explicit ? " (check --kubeconfig)" : ""}`,
    };
  }
  // Imported here, not at the top: without a kubeconfig file the YAML parser
  // (~10 MiB) is never loaded (docs/PERFORMANCE.md).
  const { parse: parseYaml } = await import("yaml");
  let doc: KubeconfigFile;
  try {
    doc = (parseYaml(text) ?? {}) as KubeconfigFile;
  } catch (e) {
    return { kind: "invalid", detail: `kubeconfig "${path}" is not valid YAML: ${String(e)}` };
  }
  const name = context ?? doc["current-context"];
  const ctx = doc.contexts?.find((c) => c.name === name);
  if (!name || !ctx) {
    const known = (doc.contexts ?? []).map((c) => `"${c.name}"`).join(", ") || "none";
    return {
      kind: "invalid",
      detail: `kubeconfig "${path}" has no context "${name ?? ""}" (contexts: ${known}); ` +
        `pass --context`,
    };
  }
  const cluster = doc.clusters?.find((c) => c.name === ctx.context?.cluster);
  const server = cluster?.cluster?.server;
  if (!server) {
    return {
      kind: "invalid",
      detail: `kubeconfig "${path}" context "${name}" names no cluster with a server URL`,
    };
  }
  return {
    kind: "ok",
    base: {
      source: { kind: "kubeconfig", path, context: name },
      server: server.replace(/\/$/, ""),
    },
    contextNamespace: ctx.context?.namespace || undefined,
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await exists(p)) return p;
  return undefined;
}
