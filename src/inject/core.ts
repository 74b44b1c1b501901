/**
 * The injection core: one pure function from a pod (or pod template) to the
 * same pod with the sidekernel sidecar, plus a note for every change. Shared by
 * `sidekernel inject` and `sidekernel webhook`; see docs/DEPLOY.md.
 *
 * @module
 */
import type { InjectOptions } from "./flags.ts";
import type { JsonObject } from "./json_patch.ts";
import { injectPodSpec } from "./pod.ts";

export type { InjectOptions } from "./flags.ts";
export type { Json, JsonObject } from "./json_patch.ts";

/** The workload a pod (template) sits in; Job and CronJob change the sidecar policy. */
export type WorkloadKind =
  | "Pod"
  | "Deployment"
  | "StatefulSet"
  | "DaemonSet"
  | "ReplicaSet"
  | "ReplicationController"
  | "Job"
  | "CronJob";

/** Why a pod was left as it was, though it may be fine. */
export type UnchangedReason = "already-injected" | "opted-out";

/** Why a pod could not be injected; the `message` says how to fix it. */
export type SkipReason =
  | "not-a-pod"
  | "no-jupyter"
  | "several-candidates"
  | "unknown-container"
  | "foreign-sidecar"
  | "bad-annotation"
  | "no-token"
  | "port-clash"
  | "mode-refused";

/** What {@link injectPod} did. */
export type InjectPodResult =
  | {
    kind: "injected";
    /** The new pod (a copy; the input is never changed). */
    pod: JsonObject;
    /** One line per change made (credentials, accounts, volumes, ports). */
    notes: string[];
    /** The ServiceAccount the sidecar acts as (`default` when the pod names none). */
    serviceAccount: string;
  }
  | { kind: "unchanged"; reason: UnchangedReason; message: string; notes: string[] }
  | { kind: "skipped"; reason: SkipReason; message: string; notes: string[] };

/**
 * Adds the sidecar to `pod`, a Pod or a pod template (`{metadata, spec}`), as
 * plain JSON. Never changes its input. The pod's `sidekernel.dev/*` annotations
 * override `options`. A pod whose `metadata.ownerReferences` name a Job counts
 * as a Job pod.
 *
 * @param pod what `JSON.parse` (or `yaml`'s `toJS()`) gives for the pod (template)
 * @param options the injection flags (see {@link parseInjectFlags})
 * @param target the workload kind the pod sits in (default `"Pod"`)
 * @example
 * ```ts
 * const result = injectPod(JSON.parse(text), DEFAULT_INJECT_OPTIONS, "Job");
 * if (result.kind === "injected") console.error(result.notes.join("\n"));
 * ```
 */
export function injectPod(
  pod: unknown,
  options: InjectOptions,
  target: WorkloadKind = "Pod",
): InjectPodResult {
  if (pod === null || typeof pod !== "object" || Array.isArray(pod)) {
    return skipped("not-a-pod", "the pod is not a JSON object");
  }
  const copy = structuredClone(pod) as JsonObject;
  const spec = copy.spec;
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    return skipped("not-a-pod", `the pod has no "spec" object`);
  }
  return injectPodSpec(copy, options, target);
}

/** A skipped result with no notes. */
export function skipped(reason: SkipReason, message: string): InjectPodResult {
  return { kind: "skipped", reason, message, notes: [] };
}

export { DEFAULT_INJECT_OPTIONS, INJECT_FLAGS, parseInjectFlags } from "./flags.ts";
export { applyJsonPatch, diffJsonPatch } from "./json_patch.ts";
