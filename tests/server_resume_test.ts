/**
 * Resumable long calls on Streamable HTTP (docs/RELIABILITY.md "Resumable
 * calls"): event ids and `retry` on the wire, a real SDK client whose
 * connection drops mid-call and resumes with `Last-Event-ID`, a call nobody
 * resumes cancelled after `--resume-timeout`, `notifications/cancelled`
 * still cancelling, and a stream without ids cancelled at once as before.
 * The bounds of the event store are checked in-process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { EventPool } from "../src/server/event_store.ts";
import { Client, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const RESUME_S = 3;
const ws = makeWorkspace();
const server = await startServer(
  ["--executor", "local", "--timeout", "60", "--resume-timeout", String(RESUME_S)],
  { workspace: ws.path },
);
const MCP = `${server.url}/mcp`;

Deno.test.afterAll(async () => {
  const started = performance.now();
  const code = await server.stop();
  ws.cleanup();
  assert.equal(code, 0, "sidekernel exits 0 on SIGTERM");
  assert.ok(performance.now() - started < 25_000, "and within the shutdown grace");
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A cell that sleeps, then writes `name` into the workspace: the file shows it ran to the end. */
const lateWrite = (seconds: number, name: string) =>
  `import time\ntime.sleep(${seconds})\nopen(${
    JSON.stringify(name)
  }, "w").write("ran")\nprint("done")`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A Streamable HTTP client whose first `tools/call` POST is cut off after `cutMs`. */
async function droppingClient(cutMs: number, maxRetries: number): Promise<Client> {
  let cut = false;
  const cutting: typeof fetch = async (input, init) => {
    const body = typeof init?.body === "string" ? init.body : "";
    if (cut || init?.method !== "POST" || !body.includes('"tools/call"')) {
      return await fetch(input, init);
    }
    cut = true;
    const drop = new AbortController();
    const signal = init.signal ? AbortSignal.any([init.signal, drop.signal]) : drop.signal;
    const response = await fetch(input, { ...init, signal });
    setTimeout(() => drop.abort(new Error("the test dropped the connection")), cutMs);
    return response;
  };
  const client = new Client({ name: "sidekernel-test", version: "1.0.0" });
  client.onerror = () => {}; // a refused reconnect is reported here; the tests look at effects
  await client.connect(
    new StreamableHTTPClientTransport(new URL(MCP), {
      fetch: cutting,
      reconnectionOptions: {
        initialReconnectionDelay: 500,
        maxReconnectionDelay: 2000,
        reconnectionDelayGrowFactor: 1.5,
        maxRetries,
      },
    }),
  );
  return client;
}

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** Opens a session by hand at protocol `version`; returns its id. */
async function rawSession(version: string, url = MCP): Promise<string> {
  const init = await fetch(url, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: version,
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      },
    }),
  });
  await init.body?.cancel();
  const id = init.headers.get("mcp-session-id");
  assert.ok(id, "initialize gave a session id");
  const note = await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": id, "mcp-protocol-version": version },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.body?.cancel();
  return id;
}

function callPython(
  sessionId: string,
  version: string,
  code: string,
  id = 1,
  url = MCP,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": version },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "python", arguments: { code } },
    }),
  });
}

Deno.test("wire: a tools/call stream opens with a priming event (id, retry), the answer has an id too", async () => {
  const sid = await rawSession("2025-11-25");
  const response = await callPython(sid, "2025-11-25", "print(6 * 7)");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const text = await response.text();
  assert.match(text, /^id: [^\n]+_\d+\nretry: 1000\ndata: \n\n/, "priming event first");
  const answer = /event: message\nid: ([^\n]+)\ndata: (.+)\n\n/.exec(text);
  assert.ok(answer, `an answer event with an id in ${JSON.stringify(text)}`);
  assert.equal(JSON.parse(answer[2]).result.content[0].text, "42\n");

  // Resuming from the priming event after the call finished replays the answer and ends.
  const primingId = /^id: ([^\n]+)/.exec(text)![1];
  const replay = await fetch(MCP, {
    headers: {
      accept: "text/event-stream",
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-11-25",
      "last-event-id": primingId,
    },
  });
  assert.equal(replay.status, 200);
  const replayed = await replay.text();
  assert.equal(replayed, `event: message\nid: ${answer[1]}\ndata: ${answer[2]}\n\n`);
});

Deno.test("wire: the gpt-oss server's /python/mcp streams carry the priming event too", async () => {
  const url = `${server.url}/python/mcp`;
  const sid = await rawSession("2025-11-25", url);
  const response = await callPython(sid, "2025-11-25", "print('py')", 1, url);
  const text = await response.text();
  assert.match(text, /^id: [^\n]+\nretry: 1000\ndata: \n\n/);
  assert.match(text, /event: message\nid: [^\n]+\ndata: .*py\\n/);
});

Deno.test("wire: an unknown Last-Event-ID gets 400 naming it; the session still serves", async () => {
  const sid = await rawSession("2025-11-25");
  const response = await fetch(MCP, {
    headers: {
      accept: "text/event-stream",
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-11-25",
      "last-event-id": "no-such-stream_7",
    },
  });
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.match(body.error.message, /"no-such-stream_7".*not \(or no longer\) kept/);
  const again = await callPython(sid, "2025-11-25", "print('still here')", 2);
  assert.match(await again.text(), /still here/);
});

Deno.test("SDK client: the connection drops mid-call, the client resumes with Last-Event-ID and gets the result", async () => {
  const client = await droppingClient(800, 3);
  try {
    const started = performance.now();
    const progress: number[] = [];
    const result = await client.callTool(
      { name: "python", arguments: { code: lateWrite(3, "resumed.txt") } },
      undefined,
      { timeout: 30_000, onprogress: (p) => progress.push(p.progress) },
    );
    assert.equal(firstText(result), "done\n", "the cell ran to its end");
    // One progress notification a second, those sent while disconnected replayed: none lost, none twice.
    assert.ok(progress.length >= 2, `progress ${JSON.stringify(progress)}`);
    assert.deepEqual(progress, progress.map((_, i) => i + 1));
    assert.ok(exists(join(ws.path, "resumed.txt")));
    assert.ok(performance.now() - started >= 3000);
    assert.ok(
      server.logs.some((l) => l.includes('"call resumed"')),
      "the server logged the resume",
    );
  } finally {
    await client.close();
  }
});

Deno.test("SDK client: a dropped call nobody resumes is cancelled after --resume-timeout", async () => {
  const client = await droppingClient(500, 0);
  const marker = join(ws.path, "abandoned.txt");
  const giveUp = new AbortController();
  try {
    const call = client.callTool(
      { name: "python", arguments: { code: lateWrite(RESUME_S + 4, "abandoned.txt") } },
      undefined,
      { signal: giveUp.signal, timeout: 60_000 },
    ).catch((error) => error);
    await sleep((RESUME_S + 7) * 1000);
    assert.ok(!exists(marker), "the cell was interrupted before its end");
    assert.ok(
      server.logs.some((l) => l.includes('"call not resumed: cancelled"')),
      "the server logged the cancellation",
    );
    giveUp.abort();
    await call;
  } finally {
    await client.close();
  }
  // The interpreter was interrupted, not lost: the next call runs at once.
  const next = await droppingClient(60_000, 0);
  try {
    const result = await next.callTool({ name: "python", arguments: { code: "print('next')" } });
    assert.equal(firstText(result), "next\n");
  } finally {
    await next.close();
  }
});

Deno.test("SDK client: notifications/cancelled still cancels a resumable call", async () => {
  const client = await droppingClient(60_000, 3);
  const marker = join(ws.path, "cancelled.txt");
  const abort = new AbortController();
  try {
    const call = client.callTool(
      { name: "python", arguments: { code: lateWrite(4, "cancelled.txt") } },
      undefined,
      { signal: abort.signal },
    ).catch((error) => error);
    await sleep(1000);
    abort.abort("the user pressed stop");
    assert.ok((await call) instanceof Error, "the client's call ended with its abort");
    await sleep(5000);
    assert.ok(!exists(marker), "the cell was interrupted");
  } finally {
    await client.close();
  }
});

Deno.test("wire: a stream that carried no event id (protocol 2025-06-18) is cancelled when dropped", async () => {
  const sid = await rawSession("2025-06-18");
  const marker = join(ws.path, "legacy.txt");
  const response = await callPython(sid, "2025-06-18", lateWrite(3, "legacy.txt"));
  assert.equal(response.status, 200);
  await sleep(500);
  await response.body?.cancel();
  await sleep(5000);
  assert.ok(!exists(marker), "the cell was interrupted when its answer stream dropped");
});

Deno.test("EventPool: per-session count and byte bounds drop the oldest first; a gap is refused", async () => {
  const pool = new EventPool({ sessionEvents: 3, sessionBytes: 1000, totalEvents: 100 });
  const store = pool.createStore();
  const msg = (n: number) => ({
    jsonrpc: "2.0" as const,
    method: "notifications/progress",
    params: { n },
  });
  const ids: string[] = [];
  for (let n = 0; n < 5; n++) ids.push(await store.storeEvent("s", msg(n)));
  assert.equal(store.size, 3);
  assert.match(store.check(ids[0]) ?? "", /were dropped: sidekernel keeps 3 events/);
  assert.equal(store.check(ids[1]), undefined, "resuming after the last dropped one is complete");
  const replayed: unknown[] = [];
  await store.replayEventsAfter(ids[1], {
    send: (_id, m) => Promise.resolve(void replayed.push(m)),
  });
  assert.deepEqual(replayed, [msg(2), msg(3), msg(4)]);
  const big = { jsonrpc: "2.0" as const, method: "x", params: { pad: "x".repeat(600) } };
  await store.storeEvent("t", big);
  await store.storeEvent("t", big);
  assert.ok(store.bytes <= 1000, `kept ${store.bytes} bytes`);
  store.close();
  assert.equal(pool.size, 0);
  assert.equal(pool.bytes, 0);
});

Deno.test("EventPool: the total bounds drop the oldest event of any session", async () => {
  const pool = new EventPool({ sessionEvents: 100, totalEvents: 4 });
  const a = pool.createStore();
  const b = pool.createStore();
  const msg = { jsonrpc: "2.0" as const, method: "ping", id: 1 };
  const first = await a.storeEvent("s", msg);
  await a.storeEvent("s", msg);
  await a.storeEvent("s", msg);
  for (let i = 0; i < 3; i++) await b.storeEvent("s", msg);
  assert.equal(pool.size, 4);
  assert.equal(a.size, 1, "a lost its two oldest events");
  assert.equal(b.size, 3);
  assert.match(a.check(first) ?? "", /were dropped/, "a resume after the first would miss one");
});
