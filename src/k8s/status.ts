/**
 * Pod columns computed the way `kubectl get pods` prints them: READY,
 * STATUS and RESTARTS (see kubectl's `printPod`).
 *
 * @module
 */
import type { Container, ContainerState, Pod } from "./types.ts";

/** The computed summary columns of one pod. */
export interface PodColumns {
  /** `ready/total`, e.g. `1/2`. */
  ready: string;
  /** kubectl's STATUS: `Running`, `CrashLoopBackOff`, `Init:0/1`, `Terminating`, … */
  status: string;
  /** Sum of container restarts. */
  restarts: number;
  /** When the last restart ended (RFC 3339), if any. */
  lastRestart?: string;
}

const isSidecar = (c: Container | undefined) => c?.restartPolicy === "Always";

function terminatedReason(state: ContainerState["terminated"], prefix = ""): string {
  if (!state) return "";
  if (state.reason) return prefix + state.reason;
  return state.signal ? `${prefix}Signal:${state.signal}` : `${prefix}ExitCode:${state.exitCode}`;
}

/**
 * Computes READY, STATUS and RESTARTS as kubectl does; a Pending pod the
 * scheduler rejected shows as `Pending(Unschedulable)`.
 *
 * @example
 * ```ts
 * podColumns(pod).status; // "CrashLoopBackOff"
 * ```
 */
export function podColumns(pod: Pod): PodColumns {
  const st = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  let total = pod.spec?.containers.length ?? 0;
  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  const noteRestart = (at?: string) => {
    if (at && (!lastRestart || at > lastRestart)) lastRestart = at;
  };
  let reason = st.reason || st.phase || "Unknown";
  if (st.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }
  for (const c of initSpecs) if (isSidecar(c)) total++;

  let initializing = false;
  let sidecarRestarts = 0;
  const initStatuses = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount;
    noteRestart(c.lastState?.terminated?.finishedAt);
    const spec = initSpecs.find((s) => s.name === c.name);
    if (isSidecar(spec)) sidecarRestarts += c.restartCount;
    if (isSidecar(spec) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (term) reason = terminatedReason(term, "Init:");
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") {
      reason = `Init:${c.state.waiting.reason}`;
    } else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  const initialized = st.conditions?.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount;
      noteRestart(c.lastState?.terminated?.finishedAt);
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated) reason = terminatedReason(c.state.terminated);
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = st.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? "Running"
        : "NotReady";
    }
  }

  const terminal = st.phase === "Succeeded" || st.phase === "Failed";
  if (pod.metadata.deletionTimestamp && st.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && !terminal) reason = "Terminating";

  if (reason === "Pending") {
    const sched = st.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    if (sched?.reason) reason = `Pending(${sched.reason})`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts, lastRestart };
}

/** True when a STATUS value means trouble (used to sort and to hint). */
export function isProblemStatus(status: string): boolean {
  return !["Running", "Completed", "Succeeded"].includes(status);
}
