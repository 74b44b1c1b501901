import { assertEquals, assertMatch } from "./support/assert_pods.ts";
import { resolveClusterConfig } from "../src/k8s/config.ts";
import { NamespaceGuard } from "../src/k8s/guard.ts";
import { NamespaceNotAllowedError } from "../src/k8s/errors.ts";
import { throws as assertThrows } from "node:assert/strict";
import { FakeKube } from "./support/fake_kube.ts";

async function withDir(fn: (dir: string, kube: FakeKube) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "k8s-config-" });
  const kube = await FakeKube.start();
  try {
    await fn(dir, kube);
  } finally {
    await kube.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveClusterConfig() uses in-cluster files and their namespace", async () => {
  await withDir(async (dir, kube) => {
    const sa = await kube.writeServiceAccountDir(`${dir}/sa`, "t", "team-a");
    const r = await resolveClusterConfig({
      serviceAccountDir: sa,
      apiServerHost: "127.0.0.1",
      apiServerPort: kube.port,
      podNamespace: "ignored",
      podName: "me",
    });
    if (r.kind !== "ready") throw new Error(r.detail);
    assertEquals(r.config.source, {
      kind: "in-cluster",
      tokenFile: `${sa}/token`,
      caFile: `${sa}/ca.crt`,
    });
    assertEquals(r.config.server, kube.url);
    assertEquals([r.config.ownNamespace, r.config.namespaces, r.config.podName], ["team-a", [
      "team-a",
    ], "me"]);
  });
});

Deno.test("resolveClusterConfig() prefers an explicit kubeconfig, then KUBECONFIG, then HOME", async () => {
  await withDir(async (dir, kube) => {
    const sa = await kube.writeServiceAccountDir(`${dir}/sa`, "t", "team-a");
    const explicit = await kube.writeKubeconfig(dir, "t", {
      namespace: "ctx-ns",
      name: "explicit",
    });
    const r1 = await resolveClusterConfig({
      kubeconfigPath: explicit,
      serviceAccountDir: sa,
      apiServerHost: "h",
    });
    if (r1.kind !== "ready") throw new Error(r1.detail);
    assertEquals(r1.config.source.kind, "kubeconfig");
    assertEquals(r1.config.ownNamespace, "ctx-ns");

    await Deno.mkdir(`${dir}/home/.kube`, { recursive: true });
    await kube.writeKubeconfig(`${dir}/home/.kube`, "t", { name: "config" });
    const env = await kube.writeKubeconfig(dir, "t", { name: "from-env", namespace: "env-ns" });
    const r2 = await resolveClusterConfig({
      kubeconfigEnv: `${dir}/missing:${env}`,
      home: `${dir}/home`,
      serviceAccountDir: `${dir}/none`,
      podNamespace: "pod-ns",
    });
    if (r2.kind !== "ready") throw new Error(r2.detail);
    assertEquals(r2.config.source, { kind: "kubeconfig", path: env, context: "fake" });
    assertEquals(r2.config.ownNamespace, "pod-ns");

    const r3 = await resolveClusterConfig({
      home: `${dir}/home`,
      serviceAccountDir: `${dir}/none`,
    });
    if (r3.kind !== "ready") throw new Error(r3.detail);
    assertEquals(r3.config.source, {
      kind: "kubeconfig",
      path: `${dir}/home/.kube/config`,
      context: "fake",
    });
    assertEquals(r3.config.ownNamespace, "default");
  });
});

Deno.test("resolveClusterConfig() reports absent and invalid configurations", async () => {
  await withDir(async (dir, kube) => {
    const absent = await resolveClusterConfig({
      home: `${dir}/nohome`,
      serviceAccountDir: `${dir}/none`,
    });
    assertEquals(absent.kind, "absent");
    const missing = await resolveClusterConfig({ kubeconfigPath: `${dir}/nope` });
    assertEquals(missing.kind, "invalid");
    assertMatch(
      (missing as { detail: string }).detail,
      /kubeconfig ".*\/nope" does not exist \(check --kubeconfig\)/,
    );
    const path = await kube.writeKubeconfig(dir, "t");
    const badCtx = await resolveClusterConfig({ kubeconfigPath: path, context: "prod" });
    assertMatch(
      (badCtx as { detail: string }).detail,
      /has no context "prod" \(contexts: "fake"\)/,
    );
    const badNs = await resolveClusterConfig({
      kubeconfigPath: path,
      namespaces: ["ok", "Not_OK"],
    });
    assertMatch(
      (badNs as { detail: string }).detail,
      /namespace "Not_OK" is not a valid namespace name/,
    );
  });
});

Deno.test("NamespaceGuard.resolve() defaults to the first allowed namespace", () => {
  const guard = new NamespaceGuard(["team-a", "team-b"]);
  assertEquals(guard.resolve(undefined), "team-a");
  assertEquals(guard.resolve("team-b"), "team-b");
  assertThrows(() => guard.resolve("team-c"), NamespaceNotAllowedError);
});
