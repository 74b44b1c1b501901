/**
 * A namespace of the fake API with the credential corpus
 * (tests/testdata/credentials/corpus.json) planted in a pod "leaky-pod":
 * its args, commands, env, probe and hook headers, annotations, statuses and
 * volumes, plus its events and its current and previous logs.
 *
 * @module
 */
import type { Container, KubeEvent, Pod } from "../../src/k8s/types.ts";
import { type LogLine, makeEvent, makeMetrics, type NamespaceData } from "./fake_kube_data.ts";

/** One planted credential. */
export interface CorpusEntry {
  id: string;
  shape: string;
  /** The field it is planted in, e.g. `container.args`, `event.message`, `log`. */
  where: string;
  /** The text (or argument list, or log lines) planted. */
  planted: string | string[];
  /** The part that must never appear in any output. */
  secret: string;
  /** Header, annotation, env or option key, where the field needs one. */
  name?: string;
}

/** The pod every entry is planted in. */
export const LEAKY_POD = "leaky-pod";

/** Reads the corpus. */
export function credentialCorpus(): CorpusEntry[] {
  const url = new URL("../testdata/credentials/corpus.json", import.meta.url);
  return (JSON.parse(Deno.readTextFileSync(url)) as { entries: CorpusEntry[] }).entries;
}

const list = (p: string | string[]) => (Array.isArray(p) ? p : [p]);

/** Builds the namespace with every corpus entry planted. */
export function leakyNamespace(
  namespace: string,
  corpus = credentialCorpus(),
  now = Date.now(),
): NamespaceData {
  const at = (where: string) => corpus.filter((e) => e.where === where);
  const texts = (where: string) => at(where).flatMap((e) => list(e.planted));
  const pairs = (where: string) =>
    at(where).map((e) => ({ name: e.name!, value: String(e.planted) }));
  const t = (s: number) => new Date(now - s * 1000).toISOString();
  const app: Container = {
    name: "app",
    image: "registry.example/app:1.0",
    command: texts("container.command"),
    args: texts("container.args"),
    env: pairs("container.env"),
    readinessProbe: {
      httpGet: { path: "/ready", port: 8080, httpHeaders: pairs("probe.httpHeader") },
    },
    lifecycle: {
      postStart: { httpGet: { path: "/warm", port: 8080, httpHeaders: pairs("hook.httpHeader") } },
      preStop: { exec: { command: texts("hook.exec") } },
    },
  };
  const lastApplied = at("annotation.last-applied").map((e) => String(e.planted));
  const annotations: Record<string, string> = Object.fromEntries(
    at("annotation").map((e) => [e.name!, String(e.planted)]),
  );
  annotations["kubectl.kubernetes.io/last-applied-configuration"] = JSON.stringify({
    spec: {
      containers: [{ name: "app", env: lastApplied.map((v) => ({ name: "KEY", value: v })) }],
    },
  });
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: LEAKY_POD,
      namespace,
      uid: crypto.randomUUID(),
      creationTimestamp: t(3600),
      labels: { app: "leaky" },
      annotations,
    },
    spec: {
      nodeName: "node-1",
      containers: [app, { name: "worker", image: "registry.example/worker:1.0" }],
      initContainers: [{ name: "setup", image: "busybox", args: texts("initContainer.args") }],
      ephemeralContainers: [{
        name: "debugger",
        image: "busybox",
        args: texts("ephemeralContainer.args"),
      }],
      volumes: [{
        name: "data",
        flexVolume: {
          driver: "example.com/nfs",
          options: Object.fromEntries(
            pairs("volume.flexVolume.options").map((p) => [p.name, p.value]),
          ),
        },
      }],
    },
    status: {
      phase: "Running",
      message: texts("status.message").join("\n"),
      podIP: "10.0.0.9",
      conditions: [
        { type: "Initialized", status: "True" },
        {
          type: "Ready",
          status: "False",
          reason: "ContainersNotReady",
          message: texts("status.condition.message").join("\n"),
        },
      ],
      initContainerStatuses: [{
        name: "setup",
        ready: false,
        restartCount: 0,
        state: { terminated: { reason: "Completed", exitCode: 0, finishedAt: t(3500) } },
      }],
      containerStatuses: [
        {
          name: "app",
          ready: true,
          started: true,
          restartCount: 3,
          state: { running: { startedAt: t(600) } },
          lastState: {
            terminated: {
              reason: "Error",
              exitCode: 1,
              message: texts("status.lastState.terminated.message").join("\n"),
              finishedAt: t(610),
            },
          },
        },
        {
          name: "worker",
          ready: false,
          restartCount: 0,
          state: {
            waiting: {
              reason: "CreateContainerConfigError",
              message: texts("status.state.waiting.message").join("\n"),
            },
          },
        },
      ],
    },
  };
  const events: KubeEvent[] = texts("event.message").map((m, i) =>
    makeEvent(namespace, LEAKY_POD, "Warning", `Planted${i}`, m, 60 + i, 1, now)
  );
  const log = (lines: string[], end: number): LogLine[] =>
    [`starting ${LEAKY_POD}`, ...lines, "ready to serve"].map((text, i, all) => ({
      time: t(end + all.length - i),
      text,
    }));
  return {
    pods: [pod],
    events,
    metrics: [makeMetrics(pod)],
    logs: new Map([
      [`${LEAKY_POD}/app`, log(texts("log"), 0)],
      [`${LEAKY_POD}/app/previous`, log(texts("log.previous"), 620)],
    ]),
  };
}
