/**
 * The server process driven by the MCP SDK's real clients over stdio,
 * Streamable HTTP and legacy SSE.
 */
import assert from "node:assert/strict";
import { connectSse, connectStdio, connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, ROOT, SERVE_ARGS, startServer } from "./support/server.ts";
import parsePrometheus from "parse-prometheus-text-format";

const ws = makeWorkspace();
// The subprocess executor: its gpt-oss wording is the stateless one asserted below.
const server = await startServer(["--executor", "subprocess", "--timeout", "20"], {
  workspace: ws.path,
});

Deno.test.afterAll(async () => {
  await server.stop();
  ws.cleanup();
});

Deno.test("Streamable HTTP /mcp: initialize names sidekernel, lists python, runs code", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    assert.equal(client.getServerVersion()?.name, "sidekernel");
    const { tools } = await client.listTools();
    const python = tools.find((t) => t.name === "python");
    assert.ok(python, "python tool listed");
    assert.deepEqual(python.inputSchema.required, ["code"]);
    const result = await client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
    assert.equal(firstText(result), "42\n");
  } finally {
    await client.close();
  }
});

Deno.test("legacy SSE /sse: the full server runs code", async () => {
  const client = await connectSse(`${server.url}/sse`);
  try {
    assert.equal(client.getServerVersion()?.name, "sidekernel");
    const result = await client.callTool({
      name: "python",
      arguments: { code: "import os\nprint(os.getcwd())" },
    });
    assert.equal(firstText(result).trim(), ws.path);
  } finally {
    await client.close();
  }
});

Deno.test("stdio: a desktop client starts sidekernel and runs code", async () => {
  const { client } = await connectStdio(
    [...SERVE_ARGS, "--transport", "stdio", "--workspace-path", ws.path],
    { cwd: ROOT, env: { PATH: Deno.env.get("PATH") ?? "" } },
  );
  try {
    assert.equal(client.getServerVersion()?.name, "sidekernel");
    const result = await client.callTool({
      name: "python",
      arguments: { code: "print('via stdio')" },
    });
    assert.equal(firstText(result), "via stdio\n");
  } finally {
    await client.close();
  }
});

for (const [transport, path] of [["Streamable HTTP", "/python/mcp"], ["SSE", "/python/sse"]]) {
  Deno.test(`gpt-oss python server over ${transport}: named python, one tool, instructions`, async () => {
    const url = `${server.url}${path}`;
    const client = transport === "SSE" ? await connectSse(url) : await connectStreamable(url);
    try {
      assert.equal(client.getServerVersion()?.name, "python");
      const instructions = client.getInstructions() ?? "";
      assert.match(instructions, /stateless Python process/);
      assert.ok(instructions.includes(`'${ws.path}'`), "workspace path replaces /mnt/data");
      assert.match(instructions, /times out after 20 seconds/);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["python"]);
      assert.equal(tools[0].inputSchema.properties?.code && "string", "string");
      const result = await client.callTool({ name: "python", arguments: { code: "print('ok')" } });
      assert.equal(firstText(result), "ok\n");
    } finally {
      await client.close();
    }
  });
}

Deno.test("/healthz answers ok and /readyz reports the executor", async () => {
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "ok\n");
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
  const body = await ready.json();
  assert.equal(body.ok, true);
  assert.equal(body.checks.executor.ok, true);
});

Deno.test("/metrics: Prometheus text with tool calls, durations, sessions and HTTP requests", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  await client.callTool({ name: "python", arguments: { code: "print(1)" } });
  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  await client.close();
  const families = parsePrometheus(text) as {
    name: string;
    metrics: { value?: string; labels?: Record<string, string> }[];
  }[];
  const family = (name: string) => families.find((f) => f.name === name);
  const calls = family("sidekernel_tool_calls_total")?.metrics.find((m) =>
    m.labels?.tool === "python" && m.labels?.outcome === "ok"
  );
  assert.ok(Number(calls?.value) >= 1, "python calls counted");
  assert.ok(family("sidekernel_execution_duration_seconds"), "duration histogram");
  const sessions = family("sidekernel_mcp_sessions")?.metrics.find((m) =>
    m.labels?.transport === "streamable"
  );
  assert.ok(Number(sessions?.value) >= 1, "open Streamable HTTP session counted");
  assert.match(text, /sidekernel_http_requests_total\{path="\/mcp",status="200"\} \d+/);
});
