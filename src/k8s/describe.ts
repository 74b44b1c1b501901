/**
 * The `pods_get` summary: what a person debugging a pod looks at first,
 * with env values as references only.
 *
 * @module
 */
import { age, oneLine } from "./format.ts";
import { envSource } from "./redact.ts";
import { podColumns } from "./status.ts";
import type { Container, ContainerState, ContainerStatus, Pod } from "./types.ts";

/** One container in the summary. */
export interface ContainerSummary {
  name: string;
  init: boolean;
  image?: string;
  state: string;
  reason?: string;
  message?: string;
  ready: boolean;
  restarts: number;
  lastTermination?: { reason?: string; exitCode: number; finishedAt?: string };
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  env: { name: string; value: string }[];
}

/** The summary of one pod (also its structuredContent). */
export interface PodSummary {
  namespace: string;
  name: string;
  phase: string;
  status: string;
  ready: string;
  restarts: number;
  age: string;
  node?: string;
  ip?: string;
  owner?: string;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  containers: ContainerSummary[];
}

function stateOf(
  s: ContainerState | undefined,
): { state: string; reason?: string; message?: string } {
  if (s?.running) return { state: "Running" };
  if (s?.waiting) return { state: "Waiting", reason: s.waiting.reason, message: s.waiting.message };
  if (s?.terminated) {
    return {
      state: "Terminated",
      reason: s.terminated.reason ?? `ExitCode:${s.terminated.exitCode}`,
      message: s.terminated.message,
    };
  }
  return { state: "Unknown" };
}

function summarizeContainer(c: Container, s: ContainerStatus | undefined, init: boolean) {
  const last = s?.lastState?.terminated;
  const summary: ContainerSummary = {
    name: c.name,
    init,
    image: c.image,
    ...stateOf(s?.state),
    ready: s?.ready ?? false,
    restarts: s?.restartCount ?? 0,
    lastTermination: last
      ? { reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt }
      : undefined,
    requests: c.resources?.requests,
    limits: c.resources?.limits,
    env: (c.env ?? []).map((e) => ({ name: e.name, value: envSource(e) })),
  };
  if (summary.message) summary.message = oneLine(summary.message, 300);
  return summary;
}

/** Builds the summary of `pod`. */
export function summarizePod(pod: Pod, now: number): PodSummary {
  const cols = podColumns(pod);
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ??
    pod.metadata.ownerReferences?.[0];
  const statusOf = (list: ContainerStatus[] | undefined, name: string) =>
    list?.find((s) => s.name === name);
  return {
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name,
    phase: pod.status?.phase ?? "Unknown",
    status: cols.status,
    ready: cols.ready,
    restarts: cols.restarts,
    age: age(pod.metadata.creationTimestamp, now),
    node: pod.spec?.nodeName,
    ip: pod.status?.podIP,
    owner: owner ? `${owner.kind}/${owner.name}` : undefined,
    conditions: (pod.status?.conditions ?? []).filter((c) => c.status !== "True").map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message ? oneLine(c.message, 300) : undefined,
    })),
    containers: [
      ...(pod.spec?.initContainers ?? []).map((c) =>
        summarizeContainer(c, statusOf(pod.status?.initContainerStatuses, c.name), true)
      ),
      ...(pod.spec?.containers ?? []).map((c) =>
        summarizeContainer(c, statusOf(pod.status?.containerStatuses, c.name), false)
      ),
    ],
  };
}

const resources = (r?: Record<string, string>) =>
  r && Object.keys(r).length ? Object.entries(r).map(([k, v]) => `${k}=${v}`).join(" ") : "-";

/** Renders the summary as compact text. */
export function renderPodSummary(s: PodSummary, now: number): string {
  const out = [
    `Pod "${s.name}" in namespace "${s.namespace}": ${s.status} (phase ${s.phase}), ` +
    `ready ${s.ready}, restarts ${s.restarts}, age ${s.age}`,
    `Node: ${s.node ?? "<none>"}  IP: ${s.ip ?? "<none>"}  Owner: ${s.owner ?? "<none>"}`,
  ];
  if (s.conditions.length) {
    out.push("Conditions not True:");
    for (const c of s.conditions) {
      out.push(
        `  ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}` +
          (c.message ? `: ${c.message}` : ""),
      );
    }
  }
  for (const c of s.containers) {
    const state = c.state + (c.reason ? `(${c.reason})` : "");
    out.push(
      `${c.init ? "Init container" : "Container"} "${c.name}": ${state}, ready=${c.ready}, ` +
        `restarts=${c.restarts}, image ${c.image ?? "?"}`,
    );
    if (c.message) out.push(`  message: ${c.message}`);
    if (c.lastTermination) {
      const t = c.lastTermination;
      out.push(
        `  last termination: ${t.reason ?? "?"}, exit code ${t.exitCode}` +
          (t.finishedAt ? `, finished ${t.finishedAt} (${age(t.finishedAt, now)} ago)` : ""),
      );
    }
    out.push(`  requests: ${resources(c.requests)}  limits: ${resources(c.limits)}`);
    if (c.env.length) out.push(`  env: ${c.env.map((e) => `${e.name}=${e.value}`).join(" ")}`);
  }
  return out.join("\n");
}
