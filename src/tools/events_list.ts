/**
 * `events_list`: a namespace's (or one pod's) events, repeats folded.
 *
 * @module
 */
import { z } from "zod";
import type { Tool } from "./tool.ts";
import { age, oneLine, table } from "../k8s/format.ts";
import { capEvents, foldEvents } from "../k8s/events.ts";
import { redactEvent } from "../k8s/redact.ts";
import { checkPodName } from "../k8s/guard.ts";
import {
  namespaceParam,
  type PodsToolDeps,
  READ_ONLY_ANNOTATIONS,
  runKubeTool,
} from "./pods_kit.ts";

const DEFAULT_MAX = 50;
const API_LIMIT = 2000;

/** structuredContent of `events_list`. */
export const eventsListOutput = {
  namespace: z.string(),
  events: z.array(z.object({
    type: z.string(),
    reason: z.string(),
    object: z.string(),
    message: z.string(),
    count: z.number(),
    lastSeen: z.string().optional(),
    firstSeen: z.string().optional(),
  })),
  omitted: z.number().describe("Folded rows left out (older Normal events go first)."),
};

function eventsListInput(deps: PodsToolDeps) {
  return {
    namespace: namespaceParam(deps.guard),
    pod: z.string().optional().describe("Only events about this pod."),
    warningsOnly: z.boolean().optional().describe("Only Warning events."),
    max: z.number().int().min(1).max(500).optional()
      .describe(`Rows to show (default ${DEFAULT_MAX}); warnings are kept first.`),
  };
}

/** Creates the `events_list` tool. */
export function eventsListTool(deps: PodsToolDeps): Tool<ReturnType<typeof eventsListInput>> {
  return {
    name: "events_list",
    title: "List events",
    description: "List recent events (newest last, repeats folded with a count), e.g. " +
      'BackOff, FailedScheduling, OOMKilling. Example: {"pod": "web-7d4b9-x2x8q"}',
    inputSchema: eventsListInput(deps),
    outputSchema: eventsListOutput,
    annotations: READ_ONLY_ANNOTATIONS,
    handler: (args, ctx) =>
      runKubeTool(deps, "events_list", async () => {
        const namespace = deps.guard.resolve(args.namespace);
        const terms = [];
        if (args.pod) terms.push(`involvedObject.name=${checkPodName(args.pod)}`);
        if (args.warningsOnly) terms.push("type=Warning");
        const list = await deps.client.listEvents(namespace, {
          fieldSelector: terms.length ? terms.join(",") : undefined,
          limit: API_LIMIT,
          signal: ctx.signal,
        });
        const events = list.items.map(redactEvent);
        const { rows, omitted } = capEvents(foldEvents(events), args.max ?? DEFAULT_MAX);
        const now = deps.now();
        const scope = `namespace "${namespace}"${args.pod ? ` for pod "${args.pod}"` : ""}`;
        const lines = rows.length
          ? [table(
            ["LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"],
            rows.map((r) => [
              age(r.lastSeen, now),
              r.type,
              r.reason,
              r.object,
              String(r.count),
              oneLine(r.message, 200),
            ]),
          )]
          : [`No events in ${scope} (events expire after about an hour).`];
        if (omitted) lines.push(`${omitted} older event row(s) omitted; warnings were kept first.`);
        if (list.metadata?.continue) {
          lines.push(`Only the first ${API_LIMIT} events were read; filter by pod to see more.`);
        }
        return {
          content: [{ type: "text", text: lines.join("\n") }],
          structuredContent: { namespace, events: rows, omitted },
        };
      }),
  };
}
