/**
 * The MCP side is built on first use (docs/PERFORMANCE.md, "Footprint"):
 * probes never load it, the first MCP request does, once, and is answered.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer, stopWithin } from "./support/server.ts";

const LOADED = '"MCP surface loaded"';

Deno.test("probes do not load the MCP surface; the first MCP request loads it once and is served", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--log-level", "debug"], { workspace: ws.path });
  try {
    for (const path of ["/healthz", "/readyz", "/metrics", "/healthz/"]) {
      const response = await fetch(`${server.url}${path}`);
      await response.body?.cancel();
      assert.equal(response.status, 200, path);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.logs.filter((l) => l.includes(LOADED)).length, 0, "no MCP code yet");
    const [a, b] = await Promise.all([
      connectStreamable(`${server.url}/mcp`),
      connectStreamable(`${server.url}/python/mcp`),
    ]);
    const answer = await a.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
    assert.equal(firstText(answer), "42\n");
    assert.ok((await b.listTools()).tools.some((t) => t.name === "python"));
    await a.close();
    await b.close();
    assert.equal(server.logs.filter((l) => l.includes(LOADED)).length, 1, "built once");
  } finally {
    await stopWithin(server, 15_000);
    ws.cleanup();
  }
});
