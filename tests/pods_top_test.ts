import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { startPodsHarness } from "./support/pods_harness.ts";
import { textOf } from "./support/mcp_client.ts";

interface TopRow {
  pod: string;
  container: string;
  cpuMilli: number;
  cpuLimitMilli?: number;
  cpuPercentOfLimit?: number;
  memoryMi: number;
  memoryPercentOfLimit?: number;
}

Deno.test("pods_top shows usage next to requests, limits and % of limit", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_top");
    assert(!result.isError, textOf(result));
    const rows = (result.structuredContent as unknown as { containers: TopRow[] }).containers;
    const crash = rows.find((r) => r.pod === "crashloop-pod");
    assertEquals(crash?.cpuLimitMilli, 500);
    assertEquals(crash?.cpuPercentOfLimit, Math.round((crash!.cpuMilli / 500) * 100));
    assertMatch(textOf(result), /^POD\s+CONTAINER\s+CPU\(m\)\s+REQ\s+LIMIT\s+%LIMIT\s+MEM\(Mi\)/);
    assertMatch(textOf(result), /two-containers\s+sidecar/);
    const one = await h.session.call("pods_top", { name: "running-pod" });
    assertEquals(
      (one.structuredContent as unknown as { containers: TopRow[] }).containers.length,
      1,
    );
  } finally {
    await h.close();
  }
});

Deno.test("pods_top says clearly when the metrics API is absent", async () => {
  const h = await startPodsHarness();
  try {
    h.kube.metricsAvailable = false;
    const result = await h.session.call("pods_top");
    assert(result.isError);
    assertMatch(
      textOf(result),
      /metrics API \(metrics\.k8s\.io\/v1beta1\) is not available.*Install metrics-server/,
    );
    const noPod = await h.session.call("pods_top", { name: "running-pod" });
    assertMatch(textOf(noPod), /metrics API .* is not available/);
  } finally {
    await h.close();
  }
});
