/**
 * The time budget of a request (`--call-timeout`) in the real server
 * process: a pod tool whose API server never answers gets a clear error
 * result in time, its API request is aborted, and the server goes on.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";
import { startTeamCluster } from "./support/team_cluster.ts";

Deno.test("--call-timeout: pods_list on a hanging API answers an error naming the tool and the flag, then pods_list works", async () => {
  const ws = makeWorkspace();
  const { kube, kubeconfig } = await startTeamCluster(ws.path);
  const server = await startServer(["--kubeconfig", kubeconfig, "--call-timeout", "2"], {
    workspace: ws.path,
  });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    kube.mode = "hang";
    const started = Date.now();
    const result = await client.callTool({ name: "pods_list", arguments: {} });
    const took = Date.now() - started;
    assert.equal(result.isError, true);
    assert.match(
      firstText(result),
      /the "pods_list" call did not finish within 2 s \(--call-timeout\) and was cancelled/,
    );
    assert.ok(took >= 1900 && took < 6000, `answered after ${took} ms`);
    kube.mode = "normal";
    // python keeps its own clock: a 3 s cell is not cut at 2 s.
    const slow = await client.callTool({
      name: "python",
      arguments: { code: "import time\ntime.sleep(3)\nprint('done')" },
    });
    assert.equal(firstText(slow), "done\n");
    const list = await client.callTool({ name: "pods_list", arguments: {} });
    assert.match(firstText(list), /^NAME\s+READY\s+STATUS/);
    await new Promise((r) => setTimeout(r, 300));
    const lines = server.logs.map((l) => JSON.parse(l));
    assert.ok(
      lines.some((l) => l.msg === "request over its time budget" && l.method === "tools/call"),
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sidekernel_tool_calls_total\{tool="pods_list",outcome="timeout"\} 1/);
  } finally {
    await client.close();
    await server.stop();
    await kube.close();
    ws.cleanup();
  }
});
