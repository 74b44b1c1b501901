/**
 * Request routing of the fake Kubernetes API: authorization per namespace,
 * lists with selectors and paging, single objects, logs and metrics.
 *
 * @module
 */
import type { FakeKube, FakeResource, FakeUser } from "./fake_kube.ts";
import { statusResponse } from "./fake_kube.ts";
import type { LogLine, NamespaceData } from "./fake_kube_data.ts";
import {
  type Matcher,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "./fake_kube_select.ts";
import type { KubeEvent, Pod } from "../../src/k8s/types.ts";
import { discoveryDocument, podTable } from "./fake_kube_discovery.ts";

const POD_FIELDS = ["metadata.name", "metadata.namespace", "status.phase", "spec.nodeName"];
const EVENT_FIELDS = [
  "metadata.name",
  "metadata.namespace",
  "involvedObject.name",
  "involvedObject.kind",
  "involvedObject.namespace",
  "type",
  "reason",
];

/** Answers one authenticated GET. */
export function route(
  kube: FakeKube,
  user: FakeUser,
  url: URL,
  accept = "",
): Response | Promise<Response> {
  const p = url.pathname.replace(/\/$/, "");
  const q = url.searchParams;
  const discovery = discoveryDocument(kube, p);
  if (discovery) return Response.json(discovery);
  let m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/(pods|events)(?:\/([^/]+))?(?:\/(log))?$/);
  if (m) {
    const [, ns, kind, name, sub] = m;
    const resource = (sub ? `${kind}/${sub}` : kind) as FakeResource;
    const verb = name ? "get" : "list";
    const denied = authorize(user, verb, resource, "", ns, name);
    if (denied) return denied;
    const data = kube.namespaces.get(ns) ?? { pods: [], events: [], metrics: [], logs: new Map() };
    try {
      if (kind === "events") {
        return list(data.events, q, parseEventFilter(q), "EventList");
      }
      if (!name) {
        const pods = list(data.pods, q, parsePodFilter(q), "PodList");
        return accept.includes("as=Table") ? podTable(pods) : pods;
      }
      const pod = data.pods.find((x) => x.metadata.name === name);
      if (!pod) {
        return statusResponse(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
      }
      return sub ? log(data, pod, q, kube.ignoreLimitBytes) : Response.json(pod);
    } catch (e) {
      if (e instanceof SelectorError) return statusResponse(400, "BadRequest", e.message);
      throw e;
    }
  }
  m = p.match(/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/);
  if (m) {
    if (!kube.metricsAvailable) {
      return statusResponse(
        404,
        "NotFound",
        "the server could not find the requested resource",
        {},
      );
    }
    const [, ns, name] = m;
    const denied = authorize(user, name ? "get" : "list", "pods", "metrics.k8s.io", ns, name);
    if (denied) return denied;
    const items = kube.namespaces.get(ns)?.metrics ?? [];
    if (!name) {
      return Response.json({
        kind: "PodMetricsList",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: {},
        items,
      });
    }
    const one = items.find((x) => x.metadata.name === name);
    return one ? Response.json({ kind: "PodMetrics", ...one }) : statusResponse(
      404,
      "NotFound",
      `podmetrics.metrics.k8s.io "${name}" not found`,
      { name, group: "metrics.k8s.io", kind: "pods" },
    );
  }
  const scope = p.startsWith("/api/v1/") ? p.split("/")[3] : p;
  return statusResponse(
    403,
    "Forbidden",
    `${scope} is forbidden: User "${user.name}" cannot list resource "${scope}" in API group "" at the cluster scope`,
    { kind: scope },
  );
}

function authorize(
  user: FakeUser,
  verb: string,
  resource: string,
  group: string,
  ns: string,
  name?: string,
): Response | undefined {
  const key = (group ? `${group}/${resource}` : resource) as FakeResource;
  if (user.rules[ns]?.includes(key)) return undefined;
  const base = resource.split("/")[0];
  const subject = name ? `${base} "${name}"` : base;
  return statusResponse(
    403,
    "Forbidden",
    `${subject}${
      group ? `.${group}` : ""
    } is forbidden: User "${user.name}" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
    { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: base },
  );
}

function podField(pod: Pod, key: string): string | undefined {
  switch (key) {
    case "metadata.name":
      return pod.metadata.name;
    case "metadata.namespace":
      return pod.metadata.namespace;
    case "status.phase":
      return pod.status?.phase;
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
  }
}

function eventField(ev: KubeEvent, key: string): string | undefined {
  const [head, tail] = key.split(".");
  if (head === "metadata") return ev.metadata[tail as "name" | "namespace"];
  if (head === "involvedObject") return ev.involvedObject[tail as "name" | "kind" | "namespace"];
  return ev[head as "type" | "reason"];
}

function parsePodFilter(q: URLSearchParams): (pod: Pod) => boolean {
  const labels: Matcher = q.get("labelSelector")
    ? parseLabelSelector(q.get("labelSelector")!)
    : () => true;
  const fields: Matcher = q.get("fieldSelector")
    ? parseFieldSelector(q.get("fieldSelector")!, POD_FIELDS)
    : () => true;
  return (pod) => labels((k) => pod.metadata.labels?.[k]) && fields((k) => podField(pod, k));
}

function parseEventFilter(q: URLSearchParams): (ev: KubeEvent) => boolean {
  const fields: Matcher = q.get("fieldSelector")
    ? parseFieldSelector(q.get("fieldSelector")!, EVENT_FIELDS)
    : () => true;
  return (ev) => fields((k) => eventField(ev, k));
}

function list<T extends { metadata: { name: string } }>(
  items: T[],
  q: URLSearchParams,
  filter: (item: T) => boolean,
  kind: string,
): Response {
  const all = items.filter(filter).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  let offset = 0;
  if (q.get("continue")) {
    try {
      offset = JSON.parse(atob(q.get("continue")!)).offset;
    } catch {
      return statusResponse(400, "BadRequest", "continue key is not valid: illegal base64 data");
    }
  }
  const limit = Number(q.get("limit") ?? 0);
  const end = limit > 0 ? offset + limit : all.length;
  const page = all.slice(offset, end);
  const metadata = end < all.length
    ? {
      resourceVersion: "2000",
      continue: btoa(JSON.stringify({ offset: end })),
      remainingItemCount: all.length - end,
    }
    : { resourceVersion: "2000" };
  return Response.json({ kind, apiVersion: "v1", metadata, items: page });
}

function log(
  data: NamespaceData,
  pod: Pod,
  q: URLSearchParams,
  ignoreLimitBytes = false,
): Response {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const all = [...names, ...(pod.spec?.initContainers ?? []).map((c) => c.name)];
  const name = pod.metadata.name;
  let container = q.get("container") ?? undefined;
  if (!container) {
    if (names.length > 1) {
      return statusResponse(
        400,
        "BadRequest",
        `a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`,
      );
    }
    container = names[0];
  }
  if (!all.includes(container)) {
    return statusResponse(400, "BadRequest", `container ${container} is not valid for pod ${name}`);
  }
  const previous = q.get("previous") === "true";
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!previous && cs?.state?.waiting) {
    return statusResponse(
      400,
      "BadRequest",
      `container "${container}" in pod "${name}" is waiting to start: ${cs.state.waiting.reason}`,
    );
  }
  let lines: LogLine[] | undefined = data.logs.get(
    `${name}/${container}${previous ? "/previous" : ""}`,
  );
  if (!lines) {
    if (previous) {
      return statusResponse(
        400,
        "BadRequest",
        `previous terminated container "${container}" in pod "${name}" not found`,
      );
    }
    lines = [];
  }
  const since = Number(q.get("sinceSeconds") ?? 0);
  if (since > 0) lines = lines.filter((l) => Date.parse(l.time) >= Date.now() - since * 1000);
  const tail = q.get("tailLines");
  if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
  const stamps = q.get("timestamps") === "true";
  let text = lines.map((l) => (stamps ? `${l.time} ` : "") + l.text + "\n").join("");
  const limitBytes = Number(q.get("limitBytes") ?? 0);
  if (limitBytes > 0 && !ignoreLimitBytes) {
    text = new TextDecoder().decode(new TextEncoder().encode(text).slice(0, limitBytes));
  }
  return new Response(text, { headers: { "content-type": "text/plain" } });
}
