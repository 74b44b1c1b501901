import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { startPodsHarness } from "./support/pods_harness.ts";
import { textOf } from "./support/mcp_client.ts";

interface LogOut {
  container: string;
  lines: number;
  matches?: number;
  cutChars: number;
  log: string;
}

Deno.test("pods_log on a multi-container pod without container lists the containers", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_log", { name: "two-containers" });
    assert(result.isError);
    assertMatch(textOf(result), /has 2 containers: "app", "sidecar". Pass "container"/);
    assertEquals(h.kube.requests.filter((r) => r.path.endsWith("/log")).length, 0);
    const ok = await h.session.call("pods_log", { name: "two-containers", container: "sidecar" });
    assertEquals((ok.structuredContent as unknown as LogOut).container, "sidecar");
    assertMatch(textOf(ok), /two-containers\/sidecar line 300/);
  } finally {
    await h.close();
  }
});

Deno.test("pods_log tails 100 lines by default and passes API options through", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_log", { name: "running-pod" });
    const out = result.structuredContent as unknown as LogOut;
    assertEquals(out.lines, 100);
    assertMatch(out.log, /^running-pod\/app line 201\n/);
    await h.session.call("pods_log", {
      name: "running-pod",
      tailLines: 5,
      sinceSeconds: 60,
      limitBytes: 1000,
      timestamps: true,
    });
    assertEquals(h.kube.requests.at(-1)?.query, {
      container: "app",
      tailLines: "5",
      sinceSeconds: "60",
      limitBytes: "1000",
      timestamps: "true",
    });
  } finally {
    await h.close();
  }
});

Deno.test("pods_log suggests previous after a restart, and reads it", async () => {
  const h = await startPodsHarness();
  try {
    const waiting = await h.session.call("pods_log", { name: "crashloop-pod" });
    assert(waiting.isError);
    assertMatch(textOf(waiting), /is waiting to start: CrashLoopBackOff/);
    const oom = await h.session.call("pods_log", { name: "oomkilled-pod" });
    assertMatch(
      textOf(oom),
      /restarted 2 time\(s\) \(last: OOMKilled, exit code 137, 5m(\d+s)? ago\); call pods_log with "previous": true/,
    );
    const prev = await h.session.call("pods_log", { name: "crashloop-pod", previous: true });
    assert(!prev.isError, textOf(prev));
    assertMatch(textOf(prev), /fatal: out of memory/);
    const none = await h.session.call("pods_log", { name: "running-pod", previous: true });
    assertMatch(textOf(none), /previous terminated container "app" in pod "running-pod" not found/);
  } finally {
    await h.close();
  }
});

Deno.test("pods_log grep keeps matches with two lines of context", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("pods_log", {
      name: "running-pod",
      tailLines: 30,
      grep: "error",
    });
    const out = result.structuredContent as unknown as LogOut;
    assertEquals(out.matches, 3);
    assertEquals(out.log.split("\n").filter((l) => l === "--").length, 2);
    assertMatch(out.log, /line 278\nrunning-pod\/app line 279\nrunning-pod\/app line 280 ERROR/);
    const requests = h.kube.requests.length;
    const bad = await h.session.call("pods_log", { name: "running-pod", grep: "ERROR (" });
    assert(bad.isError);
    assertMatch(textOf(bad), /^"grep" pattern "ERROR \(" is not accepted: missing closing \)/);
    assertMatch(textOf(bad), /ERROR \\\( matches "ERROR \("/);
    assertEquals(h.kube.requests.length, requests, "a refused pattern makes no API call");
    const literal = await h.session.call("pods_log", { name: "running-pod", grep: "ERROR \\(" });
    assertEquals((literal.structuredContent as unknown as LogOut).matches, 0);
    const re2 = await h.session.call("pods_log", { name: "running-pod", grep: "line 29\\d error" });
    assertEquals((re2.structuredContent as unknown as LogOut).matches, 1);
  } finally {
    await h.close();
  }
});

Deno.test("pods_log caps output at max-output and says what was cut", async () => {
  const h = await startPodsHarness({ maxOutput: 2000 });
  try {
    const result = await h.session.call("pods_log", { name: "running-pod", tailLines: 300 });
    const out = result.structuredContent as unknown as LogOut;
    assert(out.cutChars > 0);
    assert(out.log.length <= 2000);
    assertMatch(out.log, /line 300 ERROR something failed$/);
    assertMatch(
      textOf(result),
      /\[\d+ characters \(\d+ older lines\) cut to stay under 2000 characters/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("pods_log reads at most limitBytes even when the API server sends more", async () => {
  const h = await startPodsHarness();
  try {
    h.kube.ignoreLimitBytes = true;
    const result = await h.session.call("pods_log", {
      name: "running-pod",
      tailLines: 300,
      limitBytes: 1000,
    });
    assert(!result.isError, textOf(result));
    const out = result.structuredContent as unknown as LogOut;
    assert(new TextEncoder().encode(out.log).length <= 1000, `${out.log.length} characters`);
    assertMatch(out.log, /^running-pod\/app line 1\n/);
    assertEquals(h.kube.requests.at(-1)?.query.limitBytes, "1000");
  } finally {
    await h.close();
  }
});
