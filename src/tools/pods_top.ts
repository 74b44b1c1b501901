/**
 * `pods_top`: CPU and memory usage per container from metrics.k8s.io, next
 * to requests and limits.
 *
 * @module
 */
import { z } from "zod";
import type { Tool } from "./tool.ts";
import { errorResult } from "./tool.ts";
import { explainKubeError, isMetricsApiAbsent } from "../k8s/explain.ts";
import { table } from "../k8s/format.ts";
import { checkLabelSelector, checkPodName } from "../k8s/guard.ts";
import { cpuMilli, memMi } from "../k8s/quantity.ts";
import {
  namespaceParam,
  type PodsToolDeps,
  READ_ONLY_ANNOTATIONS,
  runKubeTool,
} from "./pods_kit.ts";
import type { Pod, PodMetrics } from "../k8s/types.ts";

const MAX_ROWS = 200;

const row = z.object({
  pod: z.string(),
  container: z.string(),
  cpuMilli: z.number(),
  cpuRequestMilli: z.number().optional(),
  cpuLimitMilli: z.number().optional(),
  cpuPercentOfLimit: z.number().optional(),
  memoryMi: z.number(),
  memoryRequestMi: z.number().optional(),
  memoryLimitMi: z.number().optional(),
  memoryPercentOfLimit: z.number().optional(),
});

/** structuredContent of `pods_top`. */
export const podsTopOutput = {
  namespace: z.string(),
  containers: z.array(row),
  omitted: z.number().describe("Rows left out (highest memory % are kept)."),
};

function podsTopInput(deps: PodsToolDeps) {
  return {
    name: z.string().optional().describe("Only this pod."),
    namespace: namespaceParam(deps.guard),
    labelSelector: z.string().optional().describe('Label selector, e.g. "app=web".'),
  };
}

const pct = (used: number, limit: number | undefined) =>
  limit ? Math.round((used / limit) * 100) : undefined;
const show = (v: number | undefined, suffix = "") => (v === undefined ? "-" : `${v}${suffix}`);

function rowsFor(metrics: PodMetrics[], pods: Pod[]): z.infer<typeof row>[] {
  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  return metrics.flatMap((m) =>
    m.containers.map((c) => {
      const spec = byName.get(m.metadata.name)?.spec?.containers.find((s) => s.name === c.name);
      const cpu = cpuMilli(c.usage.cpu) ?? 0;
      const mem = memMi(c.usage.memory) ?? 0;
      const cpuLimit = cpuMilli(spec?.resources?.limits?.cpu);
      const memLimit = memMi(spec?.resources?.limits?.memory);
      return {
        pod: m.metadata.name,
        container: c.name,
        cpuMilli: cpu,
        cpuRequestMilli: cpuMilli(spec?.resources?.requests?.cpu),
        cpuLimitMilli: cpuLimit,
        cpuPercentOfLimit: pct(cpu, cpuLimit),
        memoryMi: mem,
        memoryRequestMi: memMi(spec?.resources?.requests?.memory),
        memoryLimitMi: memLimit,
        memoryPercentOfLimit: pct(mem, memLimit),
      };
    })
  );
}

/** Creates the `pods_top` tool. */
export function podsTopTool(deps: PodsToolDeps): Tool<ReturnType<typeof podsTopInput>> {
  return {
    name: "pods_top",
    title: "Pod CPU and memory usage",
    description: "Show CPU (millicores) and memory (MiB) used per container next to requests, " +
      'limits and % of limit (needs metrics-server). Example: {"labelSelector": "app=web"}',
    inputSchema: podsTopInput(deps),
    outputSchema: podsTopOutput,
    annotations: READ_ONLY_ANNOTATIONS,
    handler: (args, ctx) =>
      runKubeTool(deps, "pods_top", async () => {
        const namespace = deps.guard.resolve(args.namespace);
        const signal = ctx.signal;
        let metrics: PodMetrics[];
        let pods: Pod[];
        try {
          if (args.name) {
            const name = checkPodName(args.name);
            const [m, p] = await Promise.all([
              deps.client.getPodMetrics(namespace, name, { signal }),
              deps.client.getPod(namespace, name, { signal }),
            ]);
            [metrics, pods] = [[m], [p]];
          } else {
            const labelSelector = checkLabelSelector(args.labelSelector);
            const [m, p] = await Promise.all([
              deps.client.listPodMetrics(namespace, { labelSelector, signal }),
              deps.client.listPods(namespace, { labelSelector, signal }),
            ]);
            [metrics, pods] = [m.items, p.items];
          }
        } catch (e) {
          if (isMetricsApiAbsent(e)) return errorResult(explainKubeError(e));
          throw e;
        }
        const all = rowsFor(metrics, pods);
        const kept = all.length > MAX_ROWS
          ? [...all].sort((a, b) => (b.memoryPercentOfLimit ?? 0) - (a.memoryPercentOfLimit ?? 0))
            .slice(0, MAX_ROWS)
          : all;
        kept.sort((a, b) => a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container));
        const text = [
          kept.length
            ? table(
              [
                "POD",
                "CONTAINER",
                "CPU(m)",
                "REQ",
                "LIMIT",
                "%LIMIT",
                "MEM(Mi)",
                "REQ",
                "LIMIT",
                "%LIMIT",
              ],
              kept.map((r) => [
                r.pod,
                r.container,
                String(r.cpuMilli),
                show(r.cpuRequestMilli),
                show(r.cpuLimitMilli),
                show(r.cpuPercentOfLimit, "%"),
                String(r.memoryMi),
                show(r.memoryRequestMi),
                show(r.memoryLimitMi),
                show(r.memoryPercentOfLimit, "%"),
              ]),
            )
            : `No metrics for pods in namespace "${namespace}" (none running, or just started).`,
          ...(all.length > kept.length
            ? [`${all.length - kept.length} more container(s) omitted (highest memory % kept).`]
            : []),
        ].join("\n");
        return {
          content: [{ type: "text", text }],
          structuredContent: { namespace, containers: kept, omitted: all.length - kept.length },
        };
      }),
  };
}
