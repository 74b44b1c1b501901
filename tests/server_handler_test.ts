/**
 * The HTTP handler in-process (src/server/handler.ts): `Request → Response`
 * with no socket, a real McpServer with real tools behind it, hand-made
 * requests of both revisions.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { ExecutionGate } from "../src/exec/gate.ts";
import { silentLogger } from "../src/obs/log.ts";
import { createMetrics, type Metrics } from "../src/obs/metrics.ts";
import { createHttpHandler, type HttpHandler } from "../src/server/handler.ts";
import { registerToolsets } from "../src/server/mcp.ts";
import { McpServer } from "../src/mcp/sdk.ts";
import { textResult, type Tool } from "../src/tools/tool.ts";
import { LOG_LEVEL_META_KEY } from "@modelcontextprotocol/client";
import { answerOf, envelope, LEGACY, messagesOf, modernRequest } from "./support/clients_v2.ts";

const HOST = "127.0.0.1:8000";
const ORIGIN = `http://${HOST}`;

const echo: Tool<{ text: z.ZodString }> = {
  name: "echo",
  title: "Echo",
  description: "Returns its text.",
  inputSchema: { text: z.string() },
  annotations: { readOnlyHint: true },
  handler: ({ text }) => Promise.resolve(textResult(text)),
};

/** Answers only when its call is cancelled: the budget must cut it. */
const hang: Tool = {
  name: "hang",
  title: "Hang",
  description: "Waits until cancelled.",
  inputSchema: {},
  annotations: { readOnlyHint: true },
  handler: (_args, { signal }) =>
    new Promise((resolve) => {
      signal.addEventListener("abort", () => resolve(textResult("cancelled")));
    }),
};

function makeHandler(budgetMs = 30_000, metrics: Metrics = createMetrics()): HttpHandler {
  const limits = { maxGlobal: 2, maxPerSession: 2 };
  return createHttpHandler({
    guard: { allowedHosts: ["127.0.0.1"] },
    createServer: () => {
      const server = new McpServer({ name: "sidekernel", version: "test" }, {
        capabilities: { logging: {} },
      });
      const deps = { logger: silentLogger, metrics };
      registerToolsets(server, [{ name: "python", tools: [echo, hang] }], deps);
      return server;
    },
    onSessionClosed: () => {},
    readiness: () => Promise.resolve({ executor: { ok: true, detail: "ready" } }),
    logger: silentLogger,
    metrics: createMetrics(),
    gate: new ExecutionGate(limits),
    limits,
    maxSessions: 4,
    sessionIdleMs: 60_000,
    resumeMs: 60_000,
    budget: { ms: budgetMs, selfTimed: new Set(), logger: silentLogger },
  });
}

/** A request as the listener hands it over: with its Host header. */
function get(path: string): Request {
  return new Request(`${ORIGIN}${path}`, { headers: { host: HOST } });
}

function modern(
  method: string,
  params?: Record<string, unknown>,
  meta?: Record<string, unknown>,
): Request {
  const { headers, body } = modernRequest({ method, params, meta });
  headers.set("host", HOST);
  return new Request(`${ORIGIN}/mcp`, { method: "POST", headers, body });
}

Deno.test("createHttpHandler(): an unknown path gets a 404 that names the endpoints", async () => {
  const handler = makeHandler();
  try {
    const response = await handler.fetch(get("/nope"));
    assert.equal(response.status, 404);
    assert.match(await response.text(), /\/mcp .*\/sse .*\/python\/mcp/);
  } finally {
    await handler.close();
  }
});

Deno.test("createHttpHandler(): /healthz answers ok and /readyz reports the checks", async () => {
  const handler = makeHandler();
  try {
    const health = await handler.fetch(get("/healthz"));
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "ok\n");
    const ready = await handler.fetch(get("/readyz"));
    assert.equal(ready.status, 200);
    const body = await ready.json();
    assert.equal(body.ok, true);
    assert.equal(body.checks.executor.ok, true);
  } finally {
    await handler.close();
  }
});

Deno.test("createHttpHandler(): a 2026-07-28 tools/list and tools/call are served with no session", async () => {
  const handler = makeHandler();
  try {
    const listed = await handler.fetch(modern("tools/list"));
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get("mcp-session-id"), null);
    const tools = (await answerOf(listed)).result?.tools as { name: string }[];
    assert.deepEqual(tools.map((t) => t.name).sort(), ["echo", "hang"]);
    const called = await handler.fetch(
      modern("tools/call", { name: "echo", arguments: { text: "hi" } }),
    );
    const result = (await answerOf(called)).result as { content: { text: string }[] };
    assert.equal(result.content[0].text, "hi");
  } finally {
    await handler.close();
  }
});

Deno.test("createHttpHandler(): a 2025-era initialize opens a session", async () => {
  const handler = makeHandler();
  try {
    const response = await handler.fetch(
      new Request(`${ORIGIN}/mcp`, {
        method: "POST",
        headers: {
          host: HOST,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: LEGACY,
            capabilities: {},
            clientInfo: { name: "handler-test", version: "0" },
          },
        }),
      }),
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get("mcp-session-id") ?? "", /^[0-9a-f-]{36}$/);
    const answer = await answerOf(response);
    assert.equal((answer.result?.serverInfo as { name: string }).name, "sidekernel");
    assert.equal(answer.result?.protocolVersion, LEGACY);
  } finally {
    await handler.written(1000);
    await handler.close();
  }
});

Deno.test("createHttpHandler(): a 2026-07-28 call over --call-timeout gets an error result naming the flag", async () => {
  const metrics = createMetrics();
  const handler = makeHandler(300, metrics);
  try {
    const started = performance.now();
    const response = await handler.fetch(modern("tools/call", { name: "hang", arguments: {} }));
    const answer = await answerOf(response);
    assert.ok(performance.now() - started < 10_000, "answered at once when the budget ran out");
    const result = answer.result as { isError: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    assert.match(
      result.content[0].text,
      /"hang" call did not finish within 0\.3 s \(--call-timeout\)/,
    );
    // The tool's handler was cancelled, and counted as a timeout.
    const counted = /sidekernel_tool_calls_total\{[^}]*tool="hang"[^}]*outcome="timeout"[^}]*\} 1/;
    for (let i = 0; i < 50 && !counted.test(metrics.render()); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(metrics.render(), counted);
    // The handler still serves.
    const again = await handler.fetch(
      modern("tools/call", { name: "echo", arguments: { text: "still here" } }),
    );
    const next = (await answerOf(again)).result as { content: { text: string }[] };
    assert.equal(next.content[0].text, "still here");
  } finally {
    await handler.close();
  }
});

Deno.test("createHttpHandler(): a 2026-07-28 call that names a log level in _meta gets the call summary", async () => {
  const handler = makeHandler();
  try {
    const quiet = await handler.fetch(
      modern("tools/call", { name: "echo", arguments: { text: "a" } }),
    );
    const plain = await messagesOf(quiet);
    assert.equal(plain.filter((m) => m.method === "notifications/message").length, 0);
    const loud = await handler.fetch(
      modern("tools/call", { name: "echo", arguments: { text: "b" } }, {
        ...envelope(),
        [LOG_LEVEL_META_KEY]: "info",
      }),
    );
    const messages = await messagesOf(loud);
    const logged = messages.find((m) => m.method === "notifications/message");
    assert.ok(logged, JSON.stringify(messages));
    assert.equal((logged.params?.data as { tool: string }).tool, "echo");
    const result = messages.find((m) => m.result)?.result as { content: { text: string }[] };
    assert.equal(result.content[0].text, "b");
  } finally {
    await handler.close();
  }
});
