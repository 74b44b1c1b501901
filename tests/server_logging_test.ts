/**
 * Logs as operators and attackers see them: JSON lines on stderr with
 * correlation ids, code summarised not logged, and no secret from the
 * environment, the token file or the kubeconfig in any log line or tool
 * output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText, sessionIdOf } from "./support/clients.ts";
import { FakeKube, READ_ALL } from "./support/fake_kube.ts";
import { scenarioNamespace } from "./support/fake_kube_scenarios.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

Deno.test("tool calls log one JSON line with correlation ids and a code digest, never secrets", async () => {
  const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
  const kubeToken = "kube-token-planted-5f1e";
  kube.addUser(kubeToken, "system:serviceaccount:team-a:agent", ["team-a"], READ_ALL);
  const ws = makeWorkspace();
  Deno.mkdirSync(join(ws.path, ".kube"));
  const kubeconfig = await kube.writeKubeconfig(join(ws.path, ".kube"), kubeToken, {
    namespace: "team-a",
  });
  const authToken = "auth-token-planted-9c2d";
  const tokenFile = join(ws.path, ".auth-token");
  Deno.writeTextFileSync(tokenFile, authToken);
  const envSecret = "env-secret-planted-77aa";
  const server = await startServer(["--kubeconfig", kubeconfig, "--auth-token-file", tokenFile], {
    workspace: ws.path,
    env: { AWS_SECRET_ACCESS_KEY: envSecret, SIDEKERNEL_JUPYTER_TOKEN: envSecret },
  });
  const client = await connectStreamable(`${server.url}/mcp`, {
    authorization: `Bearer ${authToken}`,
    "x-request-id": "req-42" + "x".repeat(300),
    "x-session-id": "vllm-séance-1",
  });
  try {
    const marker = "code_marker_31337";
    const envOut = firstText(
      await client.callTool({
        name: "python",
        arguments: { code: `# ${marker}\nimport os\nprint(sorted(os.environ.items()))` },
      }),
    );
    assert.ok(!envOut.includes(envSecret), "the code's environment holds no sidekernel secret");
    assert.ok(!envOut.includes("SIDEKERNEL_"), "no SIDEKERNEL_* variable reaches the code");
    const pods = firstText(await client.callTool({ name: "pods_list", arguments: {} }));
    await new Promise((r) => setTimeout(r, 200));

    for (const line of server.logs) {
      if (!line.startsWith("{")) throw new Error(`not JSON: ${line}`);
      const parsed = JSON.parse(line); // every stderr line is one JSON object
      assert.ok(typeof parsed.time === "string" && typeof parsed.msg === "string", line);
    }
    const calls = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "tool call");
    assert.equal(calls.length, 2);
    const python = calls.find((c) => c.tool === "python");
    assert.equal(
      python.session,
      sessionIdOf(client),
    );
    assert.equal(
      python.client_request,
      "req-42" + "x".repeat(122),
      "client id kept, capped at 128",
    );
    assert.equal(python.client_session, "vllm-sance-1", "non-ASCII stripped");
    assert.match(python.code_sha256, /^[0-9a-f]{64}$/);
    assert.ok(python.code_chars > 0 && python.output_chars > 0);
    assert.equal(typeof python.duration_ms, "number");
    const all = server.logs.join("\n") + envOut + pods;
    for (const secret of [envSecret, authToken, kubeToken, marker]) {
      assert.ok(!all.includes(secret), `"${secret}" must not appear in logs or outputs`);
    }
  } finally {
    await client.close();
    await server.stop();
    await kube.close();
    ws.cleanup();
  }
});

Deno.test("--log-level debug logs the code and output of a call", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--log-level", "debug"], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await client.callTool({ name: "python", arguments: { code: "print('visible in debug')" } });
    await new Promise((r) => setTimeout(r, 200));
    const call = server.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "tool call");
    assert.equal(call.code, "print('visible in debug')");
    assert.equal(call.output, "visible in debug\n");
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("clients that enable MCP logging get the call summary as a notification", async () => {
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const { LoggingMessageNotificationSchema } = await import("./support/clients.ts");
    const received: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      received.push(n.params.data);
    });
    await client.callTool({ name: "python", arguments: { code: "print(1)" } });
    assert.equal(received.length, 0, "nothing before logging/setLevel");
    await client.setLoggingLevel("info");
    await client.callTool({ name: "python", arguments: { code: "print(2)" } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(received.length, 1);
    assert.equal((received[0] as { tool: string }).tool, "python");
    assert.equal((received[0] as { code?: string }).code, undefined);
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});
