/**
 * The `pods` toolset: namespace-limited, read-only pod inspection.
 *
 * @module
 */
import { flagSpec } from "../config/flags.ts";
import type { Toolset } from "./tool.ts";
import { createKubeClient, type KubeClient } from "../k8s/client.ts";
import type { ClusterConfig } from "../k8s/config.ts";
import { NamespaceGuard } from "../k8s/guard.ts";
import { registerPodPrompts } from "./pods_prompts.ts";
import type { PodsToolDeps } from "./pods_kit.ts";
import { type Logger, silentLogger } from "../obs/log.ts";
import { eventsListTool } from "./events_list.ts";
import { podsGetTool } from "./pods_get.ts";
import { podsListTool } from "./pods_list.ts";
import { podsLogTool } from "./pods_log.ts";
import { podsTopTool } from "./pods_top.ts";

/** Options of {@link createPodsToolset}. */
export interface PodsToolsetOptions {
  /** From `resolveClusterConfig()` (kind `"ready"`). */
  config: ClusterConfig;
  /** Default: `createKubeClient(config)` (client-node is loaded on first call). */
  client?: KubeClient;
  /** Characters of tool text before truncation (`--max-output`). @default {20000} */
  maxOutput?: number;
  /** @default {silentLogger} */
  logger?: Logger;
  /** Clock for ages; @default {Date.now} */
  now?: () => number;
}

/**
 * Creates the `pods` toolset: `pods_list`, `pods_get`, `pods_log`,
 * `pods_top`, `events_list`, and the prompts `diagnose-pod` and
 * `namespace-health`.
 *
 * @example
 * ```ts
 * const r = await resolveClusterConfig({ kubeconfigPath, podNamespace, podName });
 * if (r.kind === "ready") toolsets.push(createPodsToolset({ config: r.config, logger }));
 * ```
 */
export function createPodsToolset(options: PodsToolsetOptions): Toolset {
  const deps: PodsToolDeps = {
    client: options.client ?? createKubeClient(options.config),
    guard: new NamespaceGuard(options.config.namespaces),
    podName: options.config.podName,
    maxOutput: options.maxOutput ?? flagSpec("max-output").default,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
  };
  return {
    name: "pods",
    tools: [
      podsListTool(deps),
      podsGetTool(deps),
      podsLogTool(deps),
      podsTopTool(deps),
      eventsListTool(deps),
    ],
    prompts: (server) => registerPodPrompts(server, deps),
  };
}
