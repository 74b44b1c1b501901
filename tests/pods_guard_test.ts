import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { NS, OTHER_NS, startPodsHarness, TOKEN } from "./support/pods_harness.ts";
import { textOf } from "./support/mcp_client.ts";

const ESCAPES = [
  "team-b",
  "",
  "*",
  "all",
  "../x",
  "team-a/../team-b",
  "Team-A",
  "kube-system",
  "a".repeat(64),
];

Deno.test("namespace escape attempts are refused before any API call", async () => {
  const h = await startPodsHarness();
  try {
    const calls: [string, Record<string, unknown>][] = [];
    for (const namespace of ESCAPES) {
      calls.push(["pods_list", { namespace }], ["pods_get", { name: "running-pod", namespace }]);
      calls.push(["pods_log", { name: "running-pod", namespace }], ["pods_top", { namespace }]);
      calls.push(["events_list", { namespace }]);
    }
    for (const [tool, args] of calls) {
      const result = await h.session.call(tool, args);
      assert(result.isError, `${tool} ${JSON.stringify(args)} was not refused`);
      assertMatch(textOf(result), /is not allowed.*Allowed: "team-a"/);
    }
    assertEquals(h.kube.requests, []);
  } finally {
    await h.close();
  }
});

Deno.test("names and selectors cannot traverse paths or widen the scope", async () => {
  const h = await startPodsHarness();
  try {
    const refused: [string, Record<string, unknown>][] = [
      ["pods_get", { name: "../../team-b/pods/running-pod" }],
      ["pods_get", { name: "%2e%2e" }],
      ["pods_log", { name: "..", container: "app" }],
      ["pods_log", { name: "running-pod", container: "../x" }],
      ["events_list", { pod: "a,involvedObject.namespace=team-b" }],
      ["pods_list", { fieldSelector: "metadata.namespace=team-b" }],
      ["pods_list", { fieldSelector: "metadata.namespace!=team-a" }],
      ["pods_list", { labelSelector: "app=web\nx" }],
    ];
    for (const [tool, args] of refused) {
      const result = await h.session.call(tool, args);
      assert(result.isError, `${tool} ${JSON.stringify(args)} was not refused`);
    }
    assertEquals(h.kube.requests.filter((r) => !r.path.endsWith("/running-pod")), []);
    // A selector is one encoded query parameter of a namespaced path: it cannot leave "team-a".
    await h.session.call("pods_list", { labelSelector: "app=x&namespace=team-b" });
    const last = h.kube.requests.at(-1)!;
    assertEquals(last.path, `/api/v1/namespaces/${NS}/pods`);
    assertEquals(last.query.labelSelector, "app=x&namespace=team-b");
  } finally {
    await h.close();
  }
});

Deno.test("configured namespaces are allowed, and a no-rights user gets the Role rule", async () => {
  const h = await startPodsHarness({ namespaces: [NS, OTHER_NS] });
  try {
    const result = await h.session.call("pods_list", { namespace: OTHER_NS });
    assert(result.isError);
    assertEquals(
      textOf(result),
      `Forbidden: this identity may not "list" "pods" in namespace "team-b".\n` +
        `API server said: pods is forbidden: User "system:serviceaccount:team-a:agent" cannot list ` +
        `resource "pods" in API group "" in the namespace "team-b"\n` +
        `To allow it, add this rule to a Role in namespace "team-b" that is bound (RoleBinding) ` +
        `to the service account:\n- apiGroups: [""]\n  resources: ["pods"]\n  verbs: ["list"]`,
    );
  } finally {
    await h.close();
  }
});

Deno.test("a user without pods/log or metrics rights is told the exact rule", async () => {
  const h = await startPodsHarness({ rights: ["pods"] });
  try {
    const log = await h.session.call("pods_log", { name: "running-pod" });
    assertMatch(
      textOf(log),
      /- apiGroups: \[""\]\n {2}resources: \["pods\/log"\]\n {2}verbs: \["get"\]$/,
    );
    const top = await h.session.call("pods_top");
    assertMatch(top.isError ? textOf(top) : "", /resources: \["pods"\]\n {2}verbs: \["list"\]$/);
    assertMatch(textOf(top), /- apiGroups: \["metrics\.k8s\.io"\]/);
  } finally {
    await h.close();
  }
});

Deno.test("a 500 from the API is a clear error result", async () => {
  const h = await startPodsHarness();
  try {
    h.kube.mode = "error500";
    const result = await h.session.call("pods_list");
    assert(result.isError);
    assertMatch(
      textOf(result),
      /failed with 500 InternalError .*etcdserver: request timed out\. This is a server-side error; try again shortly\./,
    );
  } finally {
    await h.close();
  }
});

Deno.test("a hanging API answers within the timeout", async () => {
  const h = await startPodsHarness({ timeoutMs: 500 });
  try {
    h.kube.mode = "hang";
    const started = performance.now();
    const result = await h.session.call("pods_get", { name: "running-pod" });
    const took = performance.now() - started;
    assert(result.isError);
    assertMatch(
      textOf(result),
      /did not answer within 0\.5 s \(GET "https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team-a\/pods\/running-pod"\)/,
    );
    assert(took < 2000, `took ${took} ms`);
  } finally {
    await h.close();
  }
});

Deno.test("an unreachable API is named by URL", async () => {
  const h = await startPodsHarness();
  const url = h.kube.url;
  await h.kube.close();
  try {
    const result = await h.session.call("pods_list");
    assert(result.isError);
    assertMatch(textOf(result), new RegExp(`Kubernetes API "${url}" is unreachable`));
  } finally {
    await h.close().catch(() => {});
  }
});

Deno.test("a rotated service-account token keeps working (in-cluster)", async () => {
  const h = await startPodsHarness({ via: "in-cluster" });
  try {
    assert(!(await h.session.call("pods_list")).isError);
    const user = h.kube.users.get(TOKEN)!;
    h.kube.users.delete(TOKEN);
    h.kube.users.set("rotated-token-2", user);
    await Deno.writeTextFile(`${h.dir}/sa/token`, "rotated-token-2");
    const result = await h.session.call("pods_list");
    assert(!result.isError, textOf(result));
    assertEquals(h.kube.requests.slice(-2).map((r) => r.user), [undefined, user.name]);
  } finally {
    await h.close();
  }
});

Deno.test("a revoked token gets a 401 explanation", async () => {
  const h = await startPodsHarness();
  try {
    h.kube.users.clear();
    const result = await h.session.call("pods_list");
    assertMatch(textOf(result), /rejected the credentials \(401 Unauthorized\)/);
  } finally {
    await h.close();
  }
});

Deno.test("pod tools send only GET requests", async () => {
  const h = await startPodsHarness();
  try {
    await h.session.call("pods_list");
    await h.session.call("pods_get", { name: "running-pod", full: true });
    await h.session.call("pods_log", { name: "running-pod" });
    await h.session.call("pods_top");
    await h.session.call("events_list");
    assert(h.kube.requests.length >= 6);
    assertEquals(h.kube.nonGetRequests(), []);
    assert(h.kube.requests.every((r) => r.path.includes(`/namespaces/${NS}/`)));
  } finally {
    await h.close();
  }
});

Deno.test("a 3 MB argument is refused with its value quoted and shortened", async () => {
  const h = await startPodsHarness();
  try {
    const big = "x".repeat(3 * 1024 * 1024);
    const calls: [string, Record<string, unknown>][] = [
      ["pods_get", { name: big }],
      ["pods_get", { name: "running-pod", namespace: big }],
      ["pods_log", { name: "running-pod", container: big }],
      ["pods_log", { name: "running-pod", grep: big }],
      ["pods_list", { labelSelector: big }],
      ["pods_list", { fieldSelector: big }],
      ["events_list", { pod: big }],
    ];
    for (const [tool, args] of calls) {
      const result = await h.session.call(tool, args);
      assert(result.isError, `${tool} was not refused`);
      const text = textOf(result);
      assert(text.length < 600, `${tool}: ${text.length} characters of error`);
      assertMatch(text, /"x{80}…" \(3145728 characters\)|is \d+ characters long/);
    }
  } finally {
    await h.close();
  }
});
