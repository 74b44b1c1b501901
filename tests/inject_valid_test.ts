/**
 * Every injected golden file is valid Kubernetes:
 * - `kubectl create --dry-run=client --validate=false -f` accepts it. kubectl
 *   needs API discovery even for a client-side dry run, so a loopback server
 *   here answers only the discovery documents (no objects, no cluster);
 * - every field of every pod template is a field of the Kubernetes API types:
 *   a round trip through @kubernetes/client-node's generated models
 *   (`loadYaml`, which drops unknown fields) gives the same object back.
 */
import assert from "node:assert/strict";
import { loadYaml } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { diffJsonPatch, type Json } from "../src/inject/json_patch.ts";
import { GOLDEN } from "./support/inject_golden.ts";

const outputs = [...Deno.readDirSync(GOLDEN)]
  .map((e) => e.name)
  .filter((n) => n.includes(".out."))
  .sort();

const resources = (groupVersion: string, list: [string, string][]) => ({
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion,
  resources: list.map(([name, kind]) => ({
    name,
    singularName: kind.toLowerCase(),
    namespaced: true,
    kind,
    verbs: ["create", "get", "list"],
  })),
});
const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: "v1" }],
  preferredVersion: { groupVersion: `${name}/v1`, version: "v1" },
});
const DISCOVERY: Record<string, unknown> = {
  "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
  "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [group("apps"), group("batch")] },
  "/api/v1": resources("v1", [
    ["pods", "Pod"],
    ["services", "Service"],
    ["secrets", "Secret"],
    ["configmaps", "ConfigMap"],
    ["replicationcontrollers", "ReplicationController"],
  ]),
  "/apis/apps/v1": resources("apps/v1", [
    ["deployments", "Deployment"],
    ["statefulsets", "StatefulSet"],
    ["daemonsets", "DaemonSet"],
    ["replicasets", "ReplicaSet"],
  ]),
  "/apis/batch/v1": resources("batch/v1", [["jobs", "Job"], ["cronjobs", "CronJob"]]),
  "/version": { major: "1", minor: "33", gitVersion: "v1.33.0" },
};

Deno.test({
  name: "kubectl create --dry-run=client accepts every injected golden file",
  sanitizeResources: false,
  fn: async () => {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const body = DISCOVERY[new URL(req.url).pathname];
      return body ? Response.json(body) : new Response("not found", { status: 404 });
    });
    const dir = await Deno.makeTempDir({ prefix: "inject-kubectl-" });
    try {
      const kubeconfig = `${dir}/config`;
      await Deno.writeTextFile(
        kubeconfig,
        `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${server.addr.port}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`,
      );
      for (const name of outputs) {
        const out = await new Deno.Command("kubectl", {
          args: [
            "create",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "name",
            "-f",
            `${GOLDEN}/${name}`,
          ],
          env: { KUBECONFIG: kubeconfig, HOME: dir },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        const err = new TextDecoder().decode(out.stderr);
        if (name.startsWith("unknown.")) {
          assert.notEqual(out.code, 0, "a custom resource kubectl does not know is refused");
          continue;
        }
        assert.equal(out.code, 0, `${name}: ${err}`);
        assert.ok(text.trim().length > 0, name);
      }
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

for (const name of outputs) {
  Deno.test(`${name}: every field is a field of the Kubernetes API types`, async () => {
    const text = await Deno.readTextFile(`${GOLDEN}/${name}`);
    const docs = name.endsWith(".json")
      ? [JSON.parse(text)]
      : parseAllDocuments(text).flatMap((d) => Array.isArray(d) ? [] : [d.toJS()]);
    const objects = docs.flatMap((d) => d?.kind === "List" ? d.items : [d]);
    let checked = 0;
    for (const o of objects) {
      if (!KINDS.includes(o?.kind) || !/^(v1|apps\/v1|batch\/v1)$/.test(o.apiVersion)) continue;
      // loadYaml() types the object by apiVersion/kind, keeping only the fields its model has.
      const back = JSON.parse(JSON.stringify(loadYaml(JSON.stringify(o))));
      // Timestamps come back as Date strings with milliseconds: the same instant.
      const ops = diffJsonPatch(o as Json, back).filter((op) =>
        !(op.op === "replace" && typeof op.value === "string" && /T.*Z$/.test(op.value))
      );
      assert.deepEqual(ops, [], `${name}: ${o.kind} lost fields`);
      checked++;
    }
    if (!name.startsWith("unknown.")) assert.ok(checked > 0, name);
  });
}
