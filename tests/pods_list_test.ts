import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { NS, startPodsHarness } from "./support/pods_harness.ts";
import { POD_STATES } from "./support/fake_kube_data.ts";
import { textOf } from "./support/mcp_client.ts";

interface Row {
  name: string;
  ready: string;
  status: string;
  restarts: number;
}

for (const via of ["kubeconfig", "in-cluster"] as const) {
  Deno.test(`pods_list computes every kubectl STATUS (${via})`, async () => {
    const h = await startPodsHarness({ via });
    try {
      const result = await h.session.call("pods_list");
      assert(!result.isError, textOf(result));
      const rows = (result.structuredContent as unknown as { pods: Row[] }).pods;
      const byName = new Map(rows.map((r) => [r.name, r]));
      for (const [state, expected] of Object.entries(POD_STATES)) {
        const name = state === "multi" ? "two-containers" : `${state}-pod`;
        assertEquals(byName.get(name)?.status, expected, `status of ${name}`);
      }
      assertEquals(byName.get("two-containers")?.ready, "2/2");
      assertEquals(byName.get("crashloop-pod")?.restarts, 7);
      const text = textOf(result);
      assertMatch(text, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE/);
      assertMatch(text, /crashloop-pod\s+0\/1\s+CrashLoopBackOff\s+7 \(2m(\d+s)? ago\)/);
      assertMatch(text, new RegExp(`12 pod\\(s\\) in namespace "${NS}"`));
      assertEquals(h.kube.nonGetRequests(), []);
    } finally {
      await h.close();
    }
  });
}

Deno.test("pods_list pages with limit and continue", async () => {
  const h = await startPodsHarness();
  try {
    const first = await h.session.call("pods_list", { limit: 5 });
    const page1 = first.structuredContent as unknown as {
      pods: Row[];
      continue?: string;
      remaining?: number;
    };
    assertEquals(page1.pods.length, 5);
    assertEquals(page1.remaining, 7);
    assert(page1.continue);
    assertMatch(textOf(first), /call again with continue="/);
    const second = await h.session.call("pods_list", { limit: 100, continue: page1.continue });
    const page2 = second.structuredContent as unknown as { pods: Row[]; continue?: string };
    assertEquals(page2.pods.length, 7);
    assertEquals(page2.continue, undefined);
    assertEquals(h.kube.requests.at(-1)?.query.continue, page1.continue);
  } finally {
    await h.close();
  }
});

Deno.test("pods_list filters with label and field selectors on the server", async () => {
  const h = await startPodsHarness();
  try {
    const byLabel = await h.session.call("pods_list", {
      labelSelector: "app in (crashloop,oomkilled)",
    });
    assertEquals(
      (byLabel.structuredContent as unknown as { pods: Row[] }).pods.map((p) => p.name),
      ["crashloop-pod", "oomkilled-pod"],
    );
    const notEq = await h.session.call("pods_list", { labelSelector: "app!=running,app" });
    assertEquals((notEq.structuredContent as unknown as { pods: Row[] }).pods.length, 11);
    const byField = await h.session.call("pods_list", { fieldSelector: "status.phase=Pending" });
    const pending = (byField.structuredContent as unknown as { pods: Row[] }).pods.map((p) =>
      p.name
    );
    assertEquals(pending, [
      "creating-pod",
      "errimagepull-pod",
      "imagepull-pod",
      "init-pod",
      "unschedulable-pod",
    ]);
    assertEquals(h.kube.requests.at(-1)?.query.fieldSelector, "status.phase=Pending");
  } finally {
    await h.close();
  }
});

Deno.test("pods_list explains a bad selector the API refuses", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_list", {
      fieldSelector: "spec.restartPolicy=Always",
    });
    assert(result.isError);
    assertMatch(
      textOf(result),
      /refused the request \(400\): field label not supported: spec\.restartPolicy/,
    );
  } finally {
    await h.close();
  }
});
