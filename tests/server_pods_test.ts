/**
 * The pods toolset inside the real server process, with the `server`
 * permission set: kubeconfig → fake API over HTTPS, /readyz, and the
 * toolset left out when there is no cluster config.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";
import { startTeamCluster } from "./support/team_cluster.ts";

Deno.test("serve with --kubeconfig: pods tools read the fake API; other namespaces refused", async () => {
  const ws = makeWorkspace();
  const { kube, kubeconfig } = await startTeamCluster(ws.path);
  const server = await startServer(["--kubeconfig", kubeconfig], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      "events_list",
      "pods_get",
      "pods_list",
      "pods_log",
      "pods_top",
      "python",
      "python_reset",
    ]);
    const list = firstText(await client.callTool({ name: "pods_list", arguments: {} }));
    assert.match(list, /^NAME\s+READY\s+STATUS/);
    assert.match(list, /CrashLoopBackOff/);
    const refused = await client.callTool({
      name: "pods_list",
      arguments: { namespace: "kube-system" },
    });
    assert.equal(refused.isError, true);
    assert.match(firstText(refused), /team-a/);
    assert.equal(kube.requests.filter((r) => r.path.includes("kube-system")).length, 0);
    const ready = await (await fetch(`${server.url}/readyz`)).json();
    assert.equal(ready.checks.kubernetes.ok, true);
    assert.deepEqual(kube.nonGetRequests(), []);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^sidekernel_kubernetes_requests_total\{verb="get",code="200"\} [1-9]/m);
  } finally {
    await client.close();
    await server.stop();
    await kube.close();
    ws.cleanup();
  }
});

Deno.test("serve without any cluster config: pods left out with one log line, python still served", async () => {
  const ws = makeWorkspace();
  // A HOME without ~/.kube; Deno's module cache stays where it is.
  const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno");
  const server = await startServer([], {
    workspace: ws.path,
    env: { HOME: ws.path, DENO_DIR: denoDir, KUBECONFIG: "" },
  });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(names, ["python", "python_reset"]);
    assert.equal(server.logs.filter((l) => l.includes("pods toolset left out")).length, 1);
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});
