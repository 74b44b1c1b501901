/**
 * Fixtures of the fake Kubernetes API: pods in every state kubectl names,
 * their logs, events and metrics, and a generator for N pods.
 *
 * @module
 */
import type {
  Container,
  ContainerState,
  ContainerStatus,
  KubeEvent,
  Pod,
  PodMetrics,
} from "../../src/k8s/types.ts";

/** A literal env value planted in fixtures; it must never reach tool output. */
export const PLANTED_SECRET = "s3cr3t-Literal-Value-42";

/** One log line of a fake container. */
export interface LogLine {
  time: string;
  text: string;
}

/** Everything the fake server serves for one namespace. */
export interface NamespaceData {
  pods: Pod[];
  events: KubeEvent[];
  metrics: PodMetrics[];
  /** Keyed `pod/container` (current) or `pod/container/previous`. */
  logs: Map<string, LogLine[]>;
}

const ago = (now: number, seconds: number) => new Date(now - seconds * 1000).toISOString();

function container(name: string, extra: Partial<Container> = {}): Container {
  return {
    name,
    image: `registry.example/${name}:1.0`,
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    },
    ...extra,
  };
}

function status(
  name: string,
  state: ContainerState,
  extra: Partial<ContainerStatus> = {},
): ContainerStatus {
  return {
    name,
    ready: state.running !== undefined,
    started: state.running !== undefined,
    restartCount: 0,
    image: `registry.example/${name}:1.0`,
    state,
    ...extra,
  };
}

/** The state names {@link makePod} knows, each with the STATUS kubectl prints. */
export const POD_STATES = {
  running: "Running",
  multi: "Running",
  crashloop: "CrashLoopBackOff",
  oomkilled: "OOMKilled",
  imagepull: "ImagePullBackOff",
  errimagepull: "ErrImagePull",
  unschedulable: "Pending(Unschedulable)",
  completed: "Completed",
  init: "Init:0/1",
  terminating: "Terminating",
  error: "Error",
  creating: "ContainerCreating",
} as const;

/** A state of {@link POD_STATES}. */
export type PodState = keyof typeof POD_STATES;

/** Builds one pod in `state`, created `ageSeconds` before `now`. */
export function makePod(
  name: string,
  namespace: string,
  state: PodState,
  now = Date.now(),
  ageSeconds = 3600,
  labels: Record<string, string> = { app: name.replace(/-[^-]*$/, "") || name },
): Pod {
  const t = (s: number) => ago(now, s);
  const running = { running: { startedAt: t(ageSeconds - 5) } };
  const env = [
    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    { name: "API_TOKEN", value: PLANTED_SECRET },
    { name: "LOG_LEVEL", valueFrom: { configMapKeyRef: { name: "app-config", key: "level" } } },
  ];
  const containers = [container("app", { env })];
  let statuses: ContainerStatus[] = [status("app", running)];
  let initContainers: Container[] | undefined;
  let initStatuses: ContainerStatus[] | undefined;
  let phase = "Running";
  const conditions = [
    { type: "PodScheduled", status: "True" as const },
    { type: "Initialized", status: "True" as const },
    { type: "Ready", status: "True" as const },
    { type: "ContainersReady", status: "True" as const },
  ];
  const notReady = () => {
    for (const c of conditions) {
      if (c.type === "Ready" || c.type === "ContainersReady") {
        Object.assign(c, {
          status: "False",
          reason: "ContainersNotReady",
          message: "containers with unready status: [app]",
        });
      }
    }
  };
  let deletionTimestamp: string | undefined;
  const terminated = (reason: string, exitCode: number, finished: number) => ({
    terminated: { reason, exitCode, startedAt: t(finished + 30), finishedAt: t(finished) },
  });
  switch (state) {
    case "running":
      break;
    case "multi":
      containers.push(container("sidecar"));
      statuses.push(status("sidecar", running));
      break;
    case "crashloop":
      statuses = [status("app", {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "back-off 5m0s restarting failed container=app",
        },
      }, { restartCount: 7, lastState: terminated("OOMKilled", 137, 120) })];
      notReady();
      break;
    case "oomkilled":
      statuses = [status("app", terminated("OOMKilled", 137, 10), {
        restartCount: 2,
        lastState: terminated("OOMKilled", 137, 300),
      })];
      notReady();
      break;
    case "imagepull":
    case "errimagepull":
      statuses = [status("app", {
        waiting: {
          reason: state === "imagepull" ? "ImagePullBackOff" : "ErrImagePull",
          message: `Back-off pulling image "registry.example/app:1.0"`,
        },
      })];
      notReady();
      phase = "Pending";
      break;
    case "unschedulable":
      phase = "Pending";
      statuses = [];
      conditions.splice(0, conditions.length, {
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        message: "0/3 nodes are available: 3 Insufficient memory.",
      } as never);
      break;
    case "completed":
      phase = "Succeeded";
      statuses = [status("app", terminated("Completed", 0, 600))];
      notReady();
      break;
    case "init":
      phase = "Pending";
      initContainers = [container("migrate")];
      initStatuses = [status("migrate", running, { ready: false })];
      statuses = [status("app", { waiting: { reason: "PodInitializing" } })];
      notReady();
      Object.assign(conditions[1], { status: "False", reason: "ContainersNotInitialized" });
      break;
    case "terminating":
      deletionTimestamp = t(20);
      break;
    case "error":
      phase = "Failed";
      statuses = [status("app", terminated("Error", 2, 900))];
      notReady();
      break;
    case "creating":
      phase = "Pending";
      statuses = [status("app", { waiting: { reason: "ContainerCreating" } })];
      notReady();
      break;
  }
  const scheduled = state !== "unschedulable";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      uid: crypto.randomUUID(),
      creationTimestamp: t(ageSeconds),
      deletionTimestamp,
      labels,
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          spec: {
            containers: [{ name: "app", env: [{ name: "API_TOKEN", value: PLANTED_SECRET }] }],
          },
        }),
      },
      ownerReferences: [{ kind: "ReplicaSet", name: `${labels.app}-5d9f8`, controller: true }],
      managedFields: [{ manager: "kubectl", operation: "Update" }],
      resourceVersion: "1000",
    },
    spec: {
      nodeName: scheduled ? `node-${(name.length % 3) + 1}` : undefined,
      containers,
      initContainers,
      restartPolicy: "Always",
    },
    status: {
      phase,
      podIP: scheduled ? `10.0.${name.length % 250}.${(name.charCodeAt(0) % 250) + 1}` : undefined,
      hostIP: scheduled ? "192.168.0.10" : undefined,
      startTime: scheduled ? t(ageSeconds - 1) : undefined,
      conditions,
      containerStatuses: statuses.length ? statuses : undefined,
      initContainerStatuses: initStatuses,
    },
  };
}

/** Builds a core/v1 event about a pod. */
export function makeEvent(
  namespace: string,
  pod: string,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  lastSecondsAgo: number,
  count = 1,
  now = Date.now(),
): KubeEvent {
  return {
    metadata: { name: `${pod}.${crypto.randomUUID().slice(0, 8)}`, namespace },
    involvedObject: { kind: "Pod", name: pod, namespace },
    type,
    reason,
    message,
    count,
    firstTimestamp: ago(now, lastSecondsAgo + 60 * (count - 1)),
    lastTimestamp: ago(now, lastSecondsAgo),
    source: { component: "kubelet" },
  };
}

/** Log lines `first..first+n-1`, one per second, ending `endSecondsAgo` before now. */
export function makeLog(
  prefix: string,
  n: number,
  endSecondsAgo = 0,
  now = Date.now(),
): LogLine[] {
  return Array.from({ length: n }, (_, i) => ({
    time: ago(now, endSecondsAgo + (n - 1 - i)),
    text: `${prefix} line ${i + 1}${i % 10 === 9 ? " ERROR something failed" : ""}`,
  }));
}

/** Metrics of a pod's running containers. */
export function makeMetrics(pod: Pod, cpuMilli = 50, memMi = 100): PodMetrics {
  return {
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
    timestamp: new Date().toISOString(),
    window: "30s",
    containers: (pod.spec?.containers ?? []).map((c, i) => ({
      name: c.name,
      usage: { cpu: `${(cpuMilli + i) * 1_000_000}n`, memory: `${(memMi + i) * 1024}Ki` },
    })),
  };
}
