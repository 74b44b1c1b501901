/**
 * `pods_list`: pods of one namespace as a kubectl-like table.
 *
 * @module
 */
import { z } from "zod";
import type { Tool } from "./tool.ts";
import { age, table } from "../k8s/format.ts";
import { checkFieldSelector, checkLabelSelector } from "../k8s/guard.ts";
import { isProblemStatus, podColumns } from "../k8s/status.ts";
import {
  namespaceParam,
  type PodsToolDeps,
  READ_ONLY_ANNOTATIONS,
  runKubeTool,
} from "./pods_kit.ts";

/** Default and maximum page size of `pods_list`. */
export const PODS_LIST_DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const podRow = z.object({
  name: z.string(),
  ready: z.string(),
  status: z.string(),
  restarts: z.number(),
  lastRestart: z.string().optional(),
  age: z.string(),
  node: z.string().optional(),
});

/** structuredContent of `pods_list`. */
export const podsListOutput = {
  namespace: z.string(),
  pods: z.array(podRow),
  continue: z.string().optional().describe("Pass as `continue` to get the next page."),
  remaining: z.number().optional(),
};

/** Input shape of `pods_list`. */
function podsListInput(deps: PodsToolDeps) {
  return {
    namespace: namespaceParam(deps.guard),
    labelSelector: z.string().optional().describe('Label selector, e.g. "app=web,tier!=db".'),
    fieldSelector: z.string().optional().describe('Field selector, e.g. "status.phase!=Running".'),
    limit: z.number().int().min(1).max(MAX_LIMIT).optional()
      .describe(`Page size (default ${PODS_LIST_DEFAULT_LIMIT}).`),
    continue: z.string().optional().describe("Cursor from the previous page."),
  };
}

/** Creates the `pods_list` tool. */
export function podsListTool(deps: PodsToolDeps): Tool<ReturnType<typeof podsListInput>> {
  return {
    name: "pods_list",
    title: "List pods",
    description: "List pods with READY, STATUS (as kubectl shows it), RESTARTS, AGE and NODE. " +
      'Example: {"labelSelector": "app=web"}',
    inputSchema: podsListInput(deps),
    outputSchema: podsListOutput,
    annotations: READ_ONLY_ANNOTATIONS,
    handler: (args, ctx) =>
      runKubeTool(deps, "pods_list", async () => {
        const namespace = deps.guard.resolve(args.namespace);
        const list = await deps.client.listPods(namespace, {
          labelSelector: checkLabelSelector(args.labelSelector),
          fieldSelector: checkFieldSelector(args.fieldSelector),
          limit: args.limit ?? PODS_LIST_DEFAULT_LIMIT,
          continue: args.continue || undefined,
          signal: ctx.signal,
        });
        const now = deps.now();
        const pods = list.items.map((p) => {
          const c = podColumns(p);
          return {
            name: p.metadata.name,
            ready: c.ready,
            status: c.status,
            restarts: c.restarts,
            lastRestart: c.lastRestart,
            age: age(p.metadata.creationTimestamp, now),
            node: p.spec?.nodeName,
          };
        });
        const rows = pods.map((p) => [
          p.name,
          p.ready,
          p.status,
          p.lastRestart ? `${p.restarts} (${age(p.lastRestart, now)} ago)` : String(p.restarts),
          p.age,
          p.node ?? "<none>",
        ]);
        const problems = pods.filter((p) => isProblemStatus(p.status)).length;
        const cont = list.metadata?.continue || undefined;
        const remaining = list.metadata?.remainingItemCount;
        const lines = [
          pods.length ? table(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"], rows) : "",
          `${pods.length} pod(s) in namespace "${namespace}"` +
          (problems ? `, ${problems} not Running/Completed` : "") + ".",
        ];
        if (cont) {
          lines.push(
            `More pods exist${remaining ? ` (${remaining} more)` : ""}: call again with ` +
              `continue="${cont}".`,
          );
        }
        return {
          content: [{ type: "text", text: lines.filter((l) => l !== "").join("\n") }],
          structuredContent: { namespace, pods, continue: cont, remaining },
        };
      }),
  };
}
