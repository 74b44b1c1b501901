/**
 * Namespaces for tests and benches: one pod of every state with logs,
 * events and metrics, or N generated pods.
 *
 * @module
 */
import {
  type LogLine,
  makeEvent,
  makeLog,
  makeMetrics,
  makePod,
  type NamespaceData,
  POD_STATES,
  type PodState,
} from "./fake_kube_data.ts";

const ago = (now: number, seconds: number) => new Date(now - seconds * 1000).toISOString();

/** A namespace with one pod of every state, plus logs, events and metrics. */
export function scenarioNamespace(namespace: string, now = Date.now()): NamespaceData {
  const pods = (Object.keys(POD_STATES) as PodState[]).map((s) =>
    makePod(s === "multi" ? "two-containers" : `${s}-pod`, namespace, s, now)
  );
  const logs = new Map<string, LogLine[]>();
  for (const p of pods) {
    for (const c of p.spec?.containers ?? []) {
      logs.set(
        `${p.metadata.name}/${c.name}`,
        makeLog(`${p.metadata.name}/${c.name}`, 300, 0, now),
      );
    }
  }
  logs.set("crashloop-pod/app/previous", [
    ...makeLog("previous", 20, 125, now),
    { time: ago(now, 121), text: "fatal: out of memory" },
  ]);
  const events = [
    makeEvent(
      namespace,
      "crashloop-pod",
      "Normal",
      "Pulled",
      "Container image pulled",
      900,
      1,
      now,
    ),
    makeEvent(
      namespace,
      "crashloop-pod",
      "Warning",
      "BackOff",
      "Back-off restarting failed container app",
      300,
      5,
      now,
    ),
    makeEvent(
      namespace,
      "crashloop-pod",
      "Warning",
      "BackOff",
      "Back-off restarting failed container app",
      30,
      3,
      now,
    ),
    makeEvent(namespace, "imagepull-pod", "Warning", "Failed", "Failed to pull image", 60, 4, now),
    makeEvent(
      namespace,
      "unschedulable-pod",
      "Warning",
      "FailedScheduling",
      "0/3 nodes are available: 3 Insufficient memory.",
      45,
      1,
      now,
    ),
    makeEvent(namespace, "running-pod", "Normal", "Started", "Started container app", 3500, 1, now),
  ];
  const metrics = pods.filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)
    .map((p, i) => makeMetrics(p, 40 + i * 10, 90 + i * 20));
  return { pods, events, metrics, logs };
}

/** N pods cycling through every state (names `pod-00001`…), with logs, events, metrics. */
export function generateNamespace(namespace: string, n: number, now = Date.now()): NamespaceData {
  const states = Object.keys(POD_STATES) as PodState[];
  const data: NamespaceData = { pods: [], events: [], metrics: [], logs: new Map() };
  for (let i = 1; i <= n; i++) {
    const name = `pod-${String(i).padStart(5, "0")}`;
    const state = states[i % states.length];
    const pod = makePod(name, namespace, state, now, 600 + i * 37, {
      app: `app-${i % 10}`,
      tier: i % 2 ? "web" : "worker",
    });
    data.pods.push(pod);
    for (const c of pod.spec?.containers ?? []) {
      data.logs.set(`${name}/${c.name}`, makeLog(`${name}/${c.name}`, 200, 0, now));
    }
    if (pod.status?.phase === "Running") {
      data.metrics.push(makeMetrics(pod, 10 + (i % 90), 50 + (i % 200)));
    }
    if (i % 5 === 0) {
      data.events.push(
        makeEvent(
          namespace,
          name,
          i % 10 ? "Normal" : "Warning",
          i % 10 ? "Pulled" : "BackOff",
          i % 10 ? "Container image pulled" : "Back-off restarting failed container",
          i % 3600,
          1 + (i % 4),
          now,
        ),
      );
    }
  }
  return data;
}
