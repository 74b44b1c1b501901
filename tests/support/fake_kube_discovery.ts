/**
 * What client-go asks for besides objects: discovery documents and
 * server-side printed tables (`as=Table`).
 *
 * @module
 */
import type { FakeKube } from "./fake_kube.ts";
import type { KubeList, Pod } from "../../src/k8s/types.ts";
import { podColumns } from "../../src/k8s/status.ts";
import { age } from "../../src/k8s/format.ts";

/** Discovery documents client-go asks for before it lists anything. */
export function discoveryDocument(kube: FakeKube, p: string): unknown {
  const metrics = { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" };
  const res = (name: string, kind: string, namespaced = true, verbs = ["get", "list"]) => ({
    name,
    singularName: "",
    namespaced,
    kind,
    verbs,
  });
  switch (p) {
    case "/version":
      return { major: "1", minor: "33", gitVersion: "v1.33.0-fake", platform: "linux/amd64" };
    case "/api":
      return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
    case "/apis":
      return {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: kube.metricsAvailable
          ? [{ name: "metrics.k8s.io", versions: [metrics], preferredVersion: metrics }]
          : [],
      };
    case "/api/v1":
      return {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          res("pods", "Pod"),
          res("pods/log", "Pod"),
          res("events", "Event"),
          res("namespaces", "Namespace", false),
        ],
      };
    case "/apis/metrics.k8s.io/v1beta1":
      return kube.metricsAvailable
        ? {
          kind: "APIResourceList",
          groupVersion: metrics.groupVersion,
          resources: [res("pods", "PodMetrics")],
        }
        : undefined;
  }
  return undefined;
}

/** Server-side printing (`as=Table`), as kubectl and client-go ask for it. */
export async function podTable(listResponse: Response): Promise<Response> {
  const list = await listResponse.json() as KubeList<Pod>;
  const col = (name: string, type = "string", priority = 0) => ({
    name,
    type,
    format: name === "Name" ? "name" : "",
    description: "",
    priority,
  });
  return Response.json({
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: list.metadata,
    columnDefinitions: [
      col("Name"),
      col("Ready"),
      col("Status"),
      col("Restarts", "string"),
      col("Age"),
      col("IP", "string", 1),
      col("Node", "string", 1),
      col("Nominated Node", "string", 1),
      col("Readiness Gates", "string", 1),
    ],
    rows: list.items.map((p) => {
      const c = podColumns(p);
      return {
        cells: [
          p.metadata.name,
          c.ready,
          c.status,
          String(c.restarts),
          age(p.metadata.creationTimestamp),
          p.status?.podIP ?? "<none>",
          p.spec?.nodeName ?? "<none>",
          "<none>",
          "<none>",
        ],
        object: {
          kind: "PartialObjectMetadata",
          apiVersion: "meta.k8s.io/v1",
          metadata: {
            name: p.metadata.name,
            namespace: p.metadata.namespace,
            uid: p.metadata.uid,
            creationTimestamp: p.metadata.creationTimestamp,
            labels: p.metadata.labels,
          },
        },
      };
    }),
  });
}
