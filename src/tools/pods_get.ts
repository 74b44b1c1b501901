/**
 * `pods_get`: one pod's state, containers and last terminations, or its
 * YAML; env values appear only as references, and credentials anywhere in
 * the pod are masked before either is built (`redactPod`).
 *
 * @module
 */
import { z } from "zod";
import { stringify } from "yaml";
import type { Tool } from "./tool.ts";
import { renderPodSummary, summarizePod } from "../k8s/describe.ts";
import { InvalidKubeArgumentError } from "../k8s/errors.ts";
import { checkPodName } from "../k8s/guard.ts";
import { redactPod } from "../k8s/redact.ts";
import {
  namespaceParam,
  type PodsToolDeps,
  READ_ONLY_ANNOTATIONS,
  runKubeTool,
} from "./pods_kit.ts";
import { capTail } from "../k8s/format.ts";

const container = z.object({
  name: z.string(),
  init: z.boolean(),
  image: z.string().optional(),
  state: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  ready: z.boolean(),
  restarts: z.number(),
  lastTermination: z.object({
    reason: z.string().optional(),
    exitCode: z.number(),
    finishedAt: z.string().optional(),
  }).optional(),
  requests: z.record(z.string(), z.string()).optional(),
  limits: z.record(z.string(), z.string()).optional(),
  env: z.array(z.object({ name: z.string(), value: z.string() })),
});

/** structuredContent of `pods_get`. */
export const podsGetOutput = {
  namespace: z.string(),
  name: z.string(),
  phase: z.string(),
  status: z.string(),
  ready: z.string(),
  restarts: z.number(),
  age: z.string(),
  node: z.string().optional(),
  ip: z.string().optional(),
  owner: z.string().optional(),
  conditions: z.array(z.object({
    type: z.string(),
    status: z.string(),
    reason: z.string().optional(),
    message: z.string().optional(),
  })),
  containers: z.array(container),
  yaml: z.string().optional().describe("The pod as YAML (with full: true), secrets masked."),
};

function podsGetInput(deps: PodsToolDeps) {
  return {
    name: z.string().optional().describe(
      deps.podName ? `Pod name (default "${deps.podName}", this server's own pod).` : "Pod name.",
    ),
    namespace: namespaceParam(deps.guard),
    full: z.boolean().optional().describe(
      "Also return the pod as YAML (no managedFields; credentials shown as <redacted: N chars>).",
    ),
  };
}

/** Creates the `pods_get` tool. */
export function podsGetTool(deps: PodsToolDeps): Tool<ReturnType<typeof podsGetInput>> {
  return {
    name: "pods_get",
    title: "Describe a pod",
    description: "Show a pod's status, false conditions, each container's state, last " +
      "termination (reason, exit code), restarts, requests/limits, image, node and owner. " +
      'Example: {"name": "web-7d4b9-x2x8q"}',
    inputSchema: podsGetInput(deps),
    outputSchema: podsGetOutput,
    annotations: READ_ONLY_ANNOTATIONS,
    handler: (args, ctx) =>
      runKubeTool(deps, "pods_get", async () => {
        const namespace = deps.guard.resolve(args.namespace);
        const name = args.name ?? deps.podName;
        if (!name) {
          throw new InvalidKubeArgumentError(
            `"name" is required: this server does not know its own pod name (POD_NAME). ` +
              `List pods with pods_list.`,
          );
        }
        const pod = redactPod(
          await deps.client.getPod(namespace, checkPodName(name), { signal: ctx.signal }),
        );
        const now = deps.now();
        const summary = summarizePod(pod, now);
        let text = renderPodSummary(summary, now);
        let yaml: string | undefined;
        if (args.full) {
          yaml = stringify(pod, { lineWidth: 0 });
          const capped = capTail(yaml, Math.max(1000, deps.maxOutput - text.length));
          text +=
            `\n---\n${capped.cutChars ? `# (first ${capped.cutChars} characters cut)\n` : ""}` +
            capped.text;
        }
        return {
          content: [{ type: "text", text }],
          structuredContent: { ...summary, yaml },
        };
      }),
  };
}
