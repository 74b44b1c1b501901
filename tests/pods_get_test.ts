import { assert, assertEquals, assertMatch, assertNotIncludes } from "./support/assert_pods.ts";
import { NS, startPodsHarness } from "./support/pods_harness.ts";
import { PLANTED_SECRET } from "./support/fake_kube_data.ts";
import { textOf } from "./support/mcp_client.ts";

Deno.test("pods_get shows container states and the last termination", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_get", { name: "crashloop-pod" });
    assert(!result.isError, textOf(result));
    const text = textOf(result);
    assertMatch(
      text,
      /Pod "crashloop-pod" in namespace "team-a": CrashLoopBackOff \(phase Running\)/,
    );
    assertMatch(text, /Ready=False ContainersNotReady/);
    assertMatch(text, /Container "app": Waiting\(CrashLoopBackOff\), ready=false, restarts=7/);
    assertMatch(text, /last termination: OOMKilled, exit code 137, finished .* \(2m(\d+s)? ago\)/);
    assertMatch(text, /requests: cpu=100m memory=128Mi {2}limits: cpu=500m memory=256Mi/);
    assertMatch(text, /Owner: ReplicaSet\/crashloop-5d9f8/);
    const s = result.structuredContent as unknown as {
      containers: { lastTermination?: { reason?: string; exitCode: number } }[];
    };
    assertEquals(s.containers[0].lastTermination?.exitCode, 137);
  } finally {
    await h.close();
  }
});

Deno.test("pods_get lists init containers before containers", async () => {
  const h = await startPodsHarness();
  try {
    const text = textOf(await h.session.call("pods_get", { name: "init-pod" }));
    assertMatch(text, /Init:0\/1/);
    assertMatch(
      text,
      /Init container "migrate": Running[^]*Container "app": Waiting\(PodInitializing\)/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("pods_get never shows env secrets, in the summary or in full YAML", async () => {
  const h = await startPodsHarness();
  try {
    for (const args of [{ name: "running-pod" }, { name: "running-pod", full: true }]) {
      const result = await h.session.call("pods_get", args);
      assert(!result.isError, textOf(result));
      const all = JSON.stringify(result);
      assertNotIncludes(all, PLANTED_SECRET);
      assertMatch(textOf(result), /API_TOKEN=<set>/);
      assertMatch(textOf(result), /DB_PASSWORD=<secret db\/password>/);
      assertMatch(textOf(result), /LOG_LEVEL=<configmap app-config\/level>/);
    }
    const full = await h.session.call("pods_get", { name: "running-pod", full: true });
    const yaml = (full.structuredContent as unknown as { yaml?: string }).yaml ?? "";
    assertMatch(yaml, /secretKeyRef:\s+name: db\s+key: password/);
    assertNotIncludes(yaml, "managedFields");
    assertMatch(yaml, /last-applied-configuration: <omitted>/);
  } finally {
    await h.close();
  }
});

Deno.test("pods_get without a name describes the own pod", async () => {
  const h = await startPodsHarness({ podName: "two-containers" });
  try {
    const result = await h.session.call("pods_get");
    assertMatch(textOf(result), /Pod "two-containers" in namespace "team-a": Running/);
    assertEquals(h.kube.requests.at(-1)?.path, `/api/v1/namespaces/${NS}/pods/two-containers`);
  } finally {
    await h.close();
  }
});

Deno.test("pods_get names the pod and namespace when it does not exist", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_get", { name: "ghost" });
    assert(result.isError);
    assertEquals(
      textOf(result),
      'Pod "ghost" not found in namespace "team-a". List the pods with pods_list.',
    );
    const noName = await h.session.call("pods_get");
    assert(noName.isError);
    assertMatch(textOf(noName), /"name" is required/);
  } finally {
    await h.close();
  }
});
