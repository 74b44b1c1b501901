/**
 * Prompts of the pods toolset: `diagnose-pod` (pod name completed from the
 * own namespace) and `namespace-health`.
 *
 * @module
 */
import { z } from "zod";
import { completable, type McpServer } from "../mcp/sdk.ts";
import type { PodsToolDeps } from "./pods_kit.ts";

/** How long pod names for completion are cached. */
export const COMPLETION_CACHE_MS = 10_000;
const MAX_COMPLETIONS = 100;

/** Returns a cached, prefix-matching pod-name completer for the default namespace. */
export function podNameCompleter(deps: PodsToolDeps): (prefix: string) => Promise<string[]> {
  let cache: { at: number; names: Promise<string[]> } | undefined;
  return async (prefix) => {
    const now = deps.now();
    if (!cache || now - cache.at > COMPLETION_CACHE_MS) {
      const names = deps.client.listPods(deps.guard.defaultNamespace, { limit: 1000 })
        .then((l) => l.items.map((p) => p.metadata.name).sort());
      cache = { at: now, names };
      names.catch(() => (cache = undefined));
    }
    try {
      const names = await cache.names;
      return names.filter((n) => n.startsWith(prefix ?? "")).slice(0, MAX_COMPLETIONS);
    } catch (e) {
      deps.logger.debug("pod name completion failed", { error: e });
      return [];
    }
  };
}

const user = (text: string) => ({
  role: "user" as const,
  content: { type: "text" as const, text },
});

/** Registers `diagnose-pod` and `namespace-health` on `server`. */
export function registerPodPrompts(server: McpServer, deps: PodsToolDeps): void {
  const complete = podNameCompleter(deps);
  const nsList = deps.guard.allowed.map((n) => `"${n}"`).join(", ");
  server.registerPrompt("diagnose-pod", {
    title: "Diagnose a pod",
    description: "Find out why a pod is failing, restarting or not ready, using the pod tools.",
    argsSchema: {
      name: completable(z.string().describe("Pod name"), (value) => complete(value)),
      namespace: z.string().optional().describe(
        `Namespace (default "${deps.guard.defaultNamespace}").`,
      ),
    },
  }, ({ name, namespace }) => {
    const ns = namespace || deps.guard.defaultNamespace;
    const p = JSON.stringify(name);
    const nsArg = namespace ? `, "namespace": ${JSON.stringify(ns)}` : "";
    return {
      description: `Diagnose pod "${name}" in namespace "${ns}"`,
      messages: [user(
        `Diagnose pod "${name}" in namespace "${ns}" with the read-only pod tools, in this order:\n` +
          `1. pods_get {"name": ${p}${nsArg}}: STATUS, conditions that are not True, each ` +
          `container's state, last termination (reason, exit code), restarts, requests/limits.\n` +
          `2. events_list {"pod": ${p}${nsArg}}: scheduling, image pull, probe, OOM and back-off events.\n` +
          `3. pods_log {"name": ${p}${nsArg}, "tailLines": 200} (add "container" if the pod has ` +
          `several); if a container restarted, also read "previous": true; use "grep" for errors.\n` +
          `4. pods_top {"name": ${p}${nsArg}} if the pod runs and may be near its memory or CPU limit.\n` +
          `Then answer with: the root cause in one sentence; the evidence (quote the status, ` +
          `event or log lines); the fix (what to change in the manifest, image or config). ` +
          `If the evidence is inconclusive, say what to check next instead of guessing.`,
      )],
    };
  });
  server.registerPrompt("namespace-health", {
    title: "Namespace health",
    description: "Review every pod of a namespace and report the unhealthy ones with causes.",
    argsSchema: {
      namespace: z.string().optional().describe(`Namespace (one of ${nsList}).`),
    },
  }, ({ namespace }) => {
    const ns = namespace || deps.guard.defaultNamespace;
    const nsArg = JSON.stringify(ns);
    return {
      description: `Health of namespace "${ns}"`,
      messages: [user(
        `Review the health of namespace "${ns}" with the read-only pod tools:\n` +
          `1. pods_list {"namespace": ${nsArg}}: note every pod whose STATUS is not Running or ` +
          `Completed, whose READY is incomplete, or with restarts (follow "continue" if there ` +
          `are more pods).\n` +
          `2. events_list {"namespace": ${nsArg}, "warningsOnly": true}: recent warnings.\n` +
          `3. pods_top {"namespace": ${nsArg}}: containers above ~80% of their memory or CPU limit.\n` +
          `4. For each unhealthy pod (at most 5, worst first): pods_get, then pods_log ` +
          `(with "previous": true if it restarted).\n` +
          `Report a short table: pod, problem, likely cause, suggested fix; then one line on ` +
          `the namespace overall. Do not speculate beyond what the tools show.`,
      )],
    };
  });
}
