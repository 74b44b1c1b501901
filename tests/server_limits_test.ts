/**
 * Operating limits of the real server process: graceful shutdown on
 * SIGTERM, execution and session caps, idle session expiry, body size,
 * configurable Host allow-list.
 */
import assert from "node:assert/strict";
import {
  connectStreamable,
  firstText,
  INITIALIZE,
  postMcp,
  sessionIdOf,
} from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const sleepCode = (seconds: number, tag: string) =>
  `import time\nprint('start ${tag}', flush=True)\ntime.sleep(${seconds})\nprint('end ${tag}')`;

async function pythonProcessesIn(workspace: string): Promise<string[]> {
  const out = await new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.includes(workspace));
}

Deno.test("SIGTERM: running calls finish within --shutdown-grace, the rest are interrupted, exit 0, no orphans", async () => {
  const ws = makeWorkspace();
  // One interpreter per session, so the two calls run side by side rather than queue.
  const server = await startServer(["--shutdown-grace", "3", "--kernel-scope", "session"], {
    workspace: ws.path,
  });
  const a = await connectStreamable(`${server.url}/mcp`);
  const b = await connectStreamable(`${server.url}/mcp`);
  try {
    const short = a.callTool({ name: "python", arguments: { code: sleepCode(1, "short") } });
    const long = b.callTool({ name: "python", arguments: { code: sleepCode(60, "long") } });
    await new Promise((r) => setTimeout(r, 700));
    const started = Date.now();
    const exit = server.stop();
    await new Promise((r) => setTimeout(r, 300));
    // While draining, no new session is admitted.
    const refused = await postMcp(`${server.url}/mcp`, INITIALIZE);
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get("retry-after"));
    await refused.body?.cancel();

    assert.equal(firstText(await short), "start short\nend short\n");
    const longText = firstText(await long);
    assert.match(longText, /^start long\n/);
    assert.match(longText, /\[SHUTDOWN\] sidekernel is shutting down/);
    const outcomes = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "tool call")
      .map((l) => l.outcome).sort();
    assert.deepEqual(outcomes, ["cancelled", "ok"]);
    assert.equal(await exit, 0);
    assert.ok(Date.now() - started < 9000, `exited after ${Date.now() - started} ms`);
    assert.deepEqual(await pythonProcessesIn(ws.path), [], "no python process left");
  } finally {
    await a.close().catch(() => {});
    await b.close().catch(() => {});
    ws.cleanup();
  }
});

Deno.test("--max-executions: a call past the limit gets 429 with Retry-After, then works", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--max-executions", "1"], { workspace: ws.path });
  const a = await connectStreamable(`${server.url}/mcp`);
  const b = await connectStreamable(`${server.url}/mcp`);
  try {
    const running = a.callTool({ name: "python", arguments: { code: sleepCode(2, "a") } });
    await new Promise((r) => setTimeout(r, 700));
    const id = sessionIdOf(b);
    const refused = await postMcp(`${server.url}/mcp`, {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "python", arguments: { code: "print('b')" } },
    }, id);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "2");
    const body = await refused.json();
    assert.equal(body.id, 7);
    assert.match(body.error.message, /limit of 1 executions at once \(--max-executions\)/);
    await running;
    assert.equal(
      firstText(await b.callTool({ name: "python", arguments: { code: "print('b')" } })),
      "b\n",
    );
  } finally {
    await a.close();
    await b.close();
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("--max-sessions: the session past the cap gets 503 with Retry-After", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--max-sessions", "2"], { workspace: ws.path });
  const clients = [
    await connectStreamable(`${server.url}/mcp`),
    await connectStreamable(`${server.url}/mcp`),
  ];
  try {
    await assert.rejects(connectStreamable(`${server.url}/mcp`), /503|max-sessions/);
    const sse = await fetch(`${server.url}/sse`);
    assert.equal(sse.status, 503);
    assert.ok(sse.headers.get("retry-after"));
    await sse.body?.cancel();
  } finally {
    for (const c of clients) await c.close();
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("--session-idle-timeout: an abandoned session is closed and its id refused", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--session-idle-timeout", "1"], { workspace: ws.path });
  try {
    const abandoned = await connectStreamable(`${server.url}/mcp`);
    const id = sessionIdOf(abandoned);
    assert.ok(id);
    await new Promise((r) => setTimeout(r, 2500));
    const response = await postMcp(
      `${server.url}/mcp`,
      { jsonrpc: "2.0", id: 9, method: "ping" },
      id,
    );
    assert.equal(response.status, 404);
    await response.body?.cancel();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sidekernel_mcp_sessions\{server="full",transport="streamable"\} 0/);
    assert.equal(server.logs.filter((l) => l.includes('"MCP session expired"')).length, 1);
    await abandoned.close().catch(() => {});
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("a body over 4 MiB gets 413 and the server keeps serving", async () => {
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const id = sessionIdOf(client);
    const response = await postMcp(`${server.url}/mcp`, {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "python", arguments: { code: "#" + "x".repeat(5 * 1024 * 1024) } },
    }, id);
    assert.equal(response.status, 413);
    await response.body?.cancel();
    assert.equal(
      firstText(await client.callTool({ name: "python", arguments: { code: "print(3)" } })),
      "3\n",
    );
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("--allowed-hosts replaces the loopback list", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--allowed-hosts", "sidekernel.internal"], {
    workspace: ws.path,
  });
  try {
    const send = async (host: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(new TextEncoder().encode(
        `GET /sse HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ));
      const reader = conn.readable.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      return new TextDecoder().decode(value).split("\r\n")[0];
    };
    assert.match(await send("sidekernel.internal:8000"), / 200 /);
    assert.match(await send("localhost"), / 403 /);
  } finally {
    await server.stop();
    ws.cleanup();
  }
});
