/**
 * `pods_log`: the tail of a container's log, optionally grepped, capped so
 * it fits in a model's context. Credentials in the log are masked before
 * grep sees the lines, so grep cannot be used to guess them; grep is RE2
 * (linear time) and the log is at most `limitBytes` (docs/SECURITY.md).
 *
 * @module
 */
import { z } from "zod";
import type { Tool } from "./tool.ts";
import { InvalidKubeArgumentError } from "../k8s/errors.ts";
import { checkContainerName, checkPodName } from "../k8s/guard.ts";
import { compileGrep } from "../k8s/grep.ts";
import { capLog, grepLines, maskLogLines } from "../k8s/log_text.ts";
import { age } from "../k8s/format.ts";
import {
  namespaceParam,
  type PodsToolDeps,
  READ_ONLY_ANNOTATIONS,
  runKubeTool,
} from "./pods_kit.ts";
import type { Pod } from "../k8s/types.ts";

/** Default `tailLines` of `pods_log`. */
export const DEFAULT_TAIL_LINES = 100;
const MAX_BYTES = 4 * 1024 * 1024;

/** structuredContent of `pods_log`. */
export const podsLogOutput = {
  namespace: z.string(),
  pod: z.string(),
  container: z.string(),
  previous: z.boolean(),
  lines: z.number().describe("Lines returned by the API."),
  matches: z.number().optional().describe("Lines matching grep."),
  cutChars: z.number().describe("Characters cut from the start to fit the output cap."),
  restarts: z.number(),
  log: z.string(),
};

function podsLogInput(deps: PodsToolDeps) {
  return {
    name: z.string().describe("Pod name."),
    namespace: namespaceParam(deps.guard),
    container: z.string().optional().describe("Container; required when the pod has several."),
    tailLines: z.number().int().min(1).max(100_000).optional()
      .describe(`Last N lines (default ${DEFAULT_TAIL_LINES}).`),
    sinceSeconds: z.number().int().min(1).optional().describe("Only lines newer than this."),
    previous: z.boolean().optional().describe("Log of the previous (crashed) container instance."),
    limitBytes: z.number().int().min(1).max(MAX_BYTES).optional()
      .describe(`Read at most N bytes (default and maximum ${MAX_BYTES}, 4 MiB).`),
    timestamps: z.boolean().optional().describe("Prefix each line with its RFC 3339 time."),
    grep: z.string().optional().describe(
      "Keep lines matching this case-insensitive RE2 regular expression (Go regexp syntax: " +
        "no lookaround or backreferences; at most 512 characters), with 2 lines of context. " +
        'Example: "error|panic|timed? ?out".',
    ),
  };
}

function pickContainer(pod: Pod, requested: string | undefined): string {
  const main = (pod.spec?.containers ?? []).map((c) => c.name);
  const all = [...main, ...(pod.spec?.initContainers ?? []).map((c) => c.name)];
  const list = all.map((c) => `"${c}"`).join(", ");
  const where = `pod "${pod.metadata.name}" in namespace "${pod.metadata.namespace}"`;
  if (requested !== undefined) {
    if (!all.includes(checkContainerName(requested))) {
      throw new InvalidKubeArgumentError(
        `No container "${requested}" in ${where}; its containers: ${list}.`,
      );
    }
    return requested;
  }
  const annotated = pod.metadata.annotations?.["kubectl.kubernetes.io/default-container"];
  if (annotated && all.includes(annotated)) return annotated;
  if (main.length === 1) return main[0];
  throw new InvalidKubeArgumentError(
    `The ${where} has ${main.length} containers: ${list}. Pass "container", e.g. ` +
      `{"name": "${pod.metadata.name}", "container": "${main[0]}"}.`,
  );
}

/** Creates the `pods_log` tool. */
export function podsLogTool(deps: PodsToolDeps): Tool<ReturnType<typeof podsLogInput>> {
  return {
    name: "pods_log",
    title: "Read a pod's log",
    description: "Read the last lines of a container's log (default 100), optionally only " +
      "lines matching grep; credentials in it are shown as <redacted: N chars>. " +
      'Example: {"name": "web-7d4b9-x2x8q", "grep": "error|panic", "tailLines": 1000}',
    inputSchema: podsLogInput(deps),
    outputSchema: podsLogOutput,
    annotations: READ_ONLY_ANNOTATIONS,
    handler: (args, ctx) =>
      runKubeTool(deps, "pods_log", async () => {
        const namespace = deps.guard.resolve(args.namespace);
        const name = checkPodName(args.name);
        const matcher = args.grep ? await compileGrep(args.grep) : undefined;
        const pod = await deps.client.getPod(namespace, name, { signal: ctx.signal });
        const container = pickContainer(pod, args.container);
        const previous = args.previous ?? false;
        const body = await deps.client.readLog(namespace, name, {
          container,
          tailLines: args.tailLines ?? DEFAULT_TAIL_LINES,
          sinceSeconds: args.sinceSeconds,
          limitBytes: args.limitBytes ?? MAX_BYTES,
          previous,
          timestamps: args.timestamps,
          signal: ctx.signal,
        });
        const lines = await maskLogLines(body, ctx.signal);
        const grepped = matcher ? await grepLines(lines, matcher, ctx.signal) : undefined;
        const capped = capLog(grepped?.text ?? lines.join("\n"), deps.maxOutput);
        const status = [
          ...pod.status?.containerStatuses ?? [],
          ...pod.status?.initContainerStatuses ?? [],
        ]
          .find((s) => s.name === container);
        const restarts = status?.restartCount ?? 0;
        const head =
          `Log of container "${container}" of pod "${name}" in namespace "${namespace}"` +
          `${previous ? " (previous instance)" : ""}: ${lines.length} line(s)` +
          (grepped ? `, ${grepped.matches} matching ${JSON.stringify(args.grep)}` : "") + ".";
        const out = [head];
        if (capped.note) out.push(capped.note);
        out.push(capped.text || (lines.length ? "(no matching lines)" : "(no log lines)"));
        if (!previous && restarts > 0) {
          const last = status?.lastState?.terminated;
          out.push(
            `Container "${container}" has restarted ${restarts} time(s)` +
              (last
                ? ` (last: ${last.reason ?? "?"}, exit code ${last.exitCode}` +
                  (last.finishedAt ? `, ${age(last.finishedAt, deps.now())} ago` : "") + ")"
                : "") +
              `; call pods_log with "previous": true to read the log of the instance that crashed.`,
          );
        }
        return {
          content: [{ type: "text", text: out.join("\n") }],
          structuredContent: {
            namespace,
            pod: name,
            container,
            previous,
            lines: lines.length,
            matches: grepped?.matches,
            cutChars: capped.cutChars,
            restarts,
            log: capped.text,
          },
        };
      }),
  };
}
