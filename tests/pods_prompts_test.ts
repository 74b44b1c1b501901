import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { NS, startPodsHarness } from "./support/pods_harness.ts";
import { checkKubeReady } from "../src/k8s/probe.ts";

Deno.test("diagnose-pod completes pod names by prefix, from a brief cache", async () => {
  const h = await startPodsHarness();
  try {
    const complete = (value: string) =>
      h.session.client.complete({
        ref: { type: "ref/prompt", name: "diagnose-pod" },
        argument: { name: "name", value },
      });
    const first = await complete("crash");
    assertEquals(first.completion.values, ["crashloop-pod"]);
    const second = await complete("e");
    assertEquals(second.completion.values, ["error-pod", "errimagepull-pod"].sort());
    assertEquals(h.kube.requests.length, 1);
    assertEquals(h.kube.requests[0].path, `/api/v1/namespaces/${NS}/pods`);
  } finally {
    await h.close();
  }
});

Deno.test("diagnose-pod and namespace-health lead through the pod tools", async () => {
  const h = await startPodsHarness();
  try {
    const { prompts } = await h.session.client.listPrompts();
    assertEquals(prompts.map((p) => p.name).sort(), ["diagnose-pod", "namespace-health"]);
    const diag = await h.session.client.getPrompt({
      name: "diagnose-pod",
      arguments: { name: "web-1" },
    });
    const text = (diag.messages[0].content as { text: string }).text;
    for (const tool of ["pods_get", "events_list", "pods_log", "pods_top"]) {
      assertMatch(text, new RegExp(tool));
    }
    assertMatch(text, /"previous": true/);
    const health = await h.session.client.getPrompt({ name: "namespace-health", arguments: {} });
    assertMatch(
      (health.messages[0].content as { text: string }).text,
      /pods_list \{"namespace": "team-a"\}/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("checkKubeReady() reports reachable, forbidden and down", async () => {
  const h = await startPodsHarness({ rights: [] });
  try {
    const forbidden = await checkKubeReady(h.client, NS);
    assertEquals(forbidden.ok, false);
    assertMatch(forbidden.detail, /^Forbidden: this identity may not "list" "pods"/);
    h.kube.users.get("agent-token-1")!.rules[NS] = ["pods"];
    const ok = await checkKubeReady(h.client, NS);
    assert(ok.ok, ok.detail);
    assertMatch(ok.detail, /reachable; pods in "team-a" readable/);
    h.kube.mode = "hang";
    const started = performance.now();
    const down = await checkKubeReady(h.client, NS, 300);
    assertEquals(down.ok, false);
    assert(performance.now() - started < 1500);
  } finally {
    await h.close();
  }
});

Deno.test("tools declare read-only annotations and output schemas", async () => {
  const h = await startPodsHarness();
  try {
    const { tools } = await h.session.client.listTools();
    assertEquals(tools.map((t) => t.name).sort(), [
      "events_list",
      "pods_get",
      "pods_list",
      "pods_log",
      "pods_top",
    ]);
    for (const t of tools) {
      assertEquals(t.annotations?.readOnlyHint, true);
      assertEquals(t.annotations?.destructiveHint, false);
      assertEquals(t.annotations?.openWorldHint, false);
      assert(t.outputSchema, `${t.name} has no outputSchema`);
      assertMatch(t.description ?? "", /Example: \{/);
    }
  } finally {
    await h.close();
  }
});
