/**
 * Attacks on resumable calls (docs/RELIABILITY.md "Resumable calls"): a
 * client that replays another session's stream, a huge or malformed
 * `Last-Event-ID`, and a burst of bogus resumes. Each gets a clear refusal;
 * the server still serves and exits within the grace on SIGTERM.
 */
import assert from "node:assert/strict";
import { makeWorkspace, startServer } from "../support/server.ts";

const VERSION = "2025-11-25";
const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

const ws = makeWorkspace();
const server = await startServer(["--executor", "subprocess", "--shutdown-grace", "3"], {
  workspace: ws.path,
});
const MCP = `${server.url}/mcp`;

Deno.test.afterAll(async () => {
  const started = performance.now();
  const code = await server.stop();
  ws.cleanup();
  assert.equal(code, 0);
  assert.ok(performance.now() - started < 10_000, "exits within the grace on SIGTERM");
});

async function session(): Promise<string> {
  const init = await fetch(MCP, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: VERSION,
        capabilities: {},
        clientInfo: { name: "x", version: "1" },
      },
    }),
  });
  await init.body?.cancel();
  const id = init.headers.get("mcp-session-id")!;
  const note = await fetch(MCP, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": id, "mcp-protocol-version": VERSION },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.body?.cancel();
  return id;
}

function resume(sessionId: string, lastEventId: string): Promise<Response> {
  return fetch(MCP, {
    headers: {
      accept: "text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": VERSION,
      "last-event-id": lastEventId,
    },
  });
}

async function stillServes(sessionId: string): Promise<void> {
  const response = await fetch(MCP, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": VERSION },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 99,
      method: "tools/call",
      params: { name: "python", arguments: { code: "print('alive')" } },
    }),
  });
  assert.match(await response.text(), /alive\\n/);
}

Deno.test("another session's event id does not replay its stream", async () => {
  const alice = await session();
  const call = await fetch(MCP, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": alice, "mcp-protocol-version": VERSION },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "python", arguments: { code: "print('alice-secret')" } },
    }),
  });
  const text = await call.text();
  const primingId = /^id: ([^\n]+)/.exec(text)?.[1];
  assert.ok(primingId, text);
  const mallory = await session();
  const stolen = await resume(mallory, primingId);
  assert.equal(stolen.status, 400);
  const body = await stolen.text();
  assert.doesNotMatch(body, /alice-secret/);
  assert.match(body, /not \(or no longer\) kept by this session/);
  // Without a session id, nothing is replayed either.
  const anonymous = await fetch(MCP, {
    headers: { accept: "text/event-stream", "last-event-id": primingId },
  });
  assert.equal(anonymous.status, 400);
  assert.doesNotMatch(await anonymous.text(), /alice-secret/);
  await stillServes(alice);
});

Deno.test("a 6 KiB or malformed Last-Event-ID gets 400 with the id quoted and cut", async () => {
  const sid = await session();
  for (const bogus of ["x".repeat(6 * 1024), "_", "a_-1", "a_1e400", "\u00e9_\u00e9"]) {
    const response = await resume(sid, encodeURIComponent(bogus));
    assert.equal(response.status, 400, bogus.slice(0, 20));
    const body = await response.text();
    assert.ok(body.length < 600, `answer of ${body.length} chars`);
    assert.match(body, /Last-Event-ID/);
  }
  await stillServes(sid);
});

Deno.test("500 bogus resumes in a burst are all refused; the session still serves", async () => {
  const sid = await session();
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      resume(sid, `nope_${i}`).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      })),
  );
  assert.deepEqual([...new Set(statuses)], [400]);
  assert.ok(performance.now() - started < 20_000);
  await stillServes(sid);
});
