/**
 * Finds the cluster for the pods toolset from the configuration, before the
 * serving worker starts (its permissions depend on the answer).
 *
 * @module
 */
import type { Config, KubeConfig } from "../config/config.ts";
import { UsageError } from "../config/errors.ts";
import { type ClusterConfig, type ClusterConfigOptions, resolveClusterConfig } from "./config.ts";
import type { Logger } from "../obs/log.ts";

/**
 * The cluster config when the pods toolset is on and one exists; undefined,
 * with one log line, otherwise (the server still serves `python`).
 *
 * @throws {UsageError} when `--kubeconfig` or `--context` name something unusable
 */
export async function findCluster(
  config: Config,
  logger: Logger,
): Promise<ClusterConfig | undefined> {
  if (!config.toolsets.includes("pods")) return undefined;
  const kube = config.kube;
  const resolved = await resolveClusterConfig(clusterOptions(kube));
  if (resolved.kind === "invalid" && (kube.kubeconfig || kube.context)) {
    throw new UsageError(kube.kubeconfig ? "kubeconfig" : "context", resolved.detail);
  }
  if (resolved.kind !== "ready") {
    logger.info("pods toolset left out", { reason: resolved.detail });
    return undefined;
  }
  logger.info("pods toolset enabled", {
    server: resolved.config.server,
    namespaces: resolved.config.namespaces,
  });
  return resolved.config;
}

/** The options of `resolveClusterConfig()` that the `kube` part of the config names. */
export function clusterOptions(kube: KubeConfig): ClusterConfigOptions {
  return {
    kubeconfigPath: kube.kubeconfig,
    kubeconfigEnv: kube.kubeconfigEnv,
    context: kube.context,
    namespaces: kube.namespaces,
    podNamespace: kube.podNamespace,
    podName: kube.podName,
    apiServerHost: kube.serviceHost,
    apiServerPort: kube.servicePort,
    home: kube.home,
  };
}
