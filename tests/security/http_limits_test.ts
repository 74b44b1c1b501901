/**
 * Attacks on the HTTP front of a real server process (docs/SECURITY.md,
 * "HTTP limits"): chunked bodies of 100 MiB on a session, slowloris, a body
 * that never ends, malformed Host headers, huge echoed values. After each:
 * a normal MCP call works, and SIGTERM ends the process within the grace.
 */
import assert from "node:assert/strict";
import {
  connectSse,
  connectStreamable,
  firstText,
  openRawSession,
  sessionIdOf,
} from "../support/clients.ts";
import { floodUntilAnswered } from "../support/flood.ts";
import { makeWorkspace, rssMiB, type ServerProcess, startServer } from "../support/server.ts";

const encoder = new TextEncoder();
const GRACE_S = 2;

/** Starts a server, runs `attack`, then checks it still serves and stops in time. */
async function underAttack(attack: (server: ServerProcess) => Promise<void>): Promise<void> {
  const ws = makeWorkspace();
  const server = await startServer(["--shutdown-grace", String(GRACE_S)], { workspace: ws.path });
  try {
    await attack(server);
    const client = await connectStreamable(`${server.url}/mcp`);
    const result = await client.callTool({ name: "python", arguments: { code: "print(6*7)" } });
    assert.equal(firstText(result), "42\n");
    await client.close();
  } finally {
    const started = Date.now();
    const code = await server.stop();
    const took = Date.now() - started;
    ws.cleanup();
    assert.equal(code, 0);
    assert.ok(took < (GRACE_S + 5) * 1000, `SIGTERM took ${took} ms`);
  }
}

/** Reads a raw HTTP answer until the connection ends or `ms` pass; returns what came. */
async function readAnswer(conn: Deno.Conn, ms: number): Promise<string> {
  const reader = conn.readable.getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), ms);
  let text = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (text.includes("\r\n\r\n") && text.length > 4096) break;
    }
  } catch {
    // reset by the server: what came is the answer
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  return text;
}

/** The head of a chunked JSON POST to `path`, with `headers` added. */
function chunkedHead(server: ServerProcess, path: string, headers: Record<string, string>): string {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
    `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
    `${extra}Transfer-Encoding: chunked\r\n\r\n`;
}

/** One 1 MiB chunk of a JSON string, chunked-encoded. */
const MIB_CHUNK = encoder.encode(`100000\r\n${'"' + "x".repeat(1024 * 1024 - 2) + '"'}\r\n`);

/**
 * POSTs a chunked body of `mib` MiB (1 MiB chunks) to `path` on a raw
 * connection, reading the answer meanwhile; returns its status line and the
 * server's peak RSS while it was sent.
 */
async function chunkedFlood(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  mib: number,
): Promise<{ status: string; sentMiB: number; peakMiB: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(encoder.encode(chunkedHead(server, path, headers)));
  const answer = readAnswer(conn, 30_000);
  let sent = 0;
  let peak = 0;
  const writer = conn.writable.getWriter();
  try {
    await writer.write(encoder.encode(`1\r\n[\r\n`));
    for (; sent < mib; sent++) {
      await writer.write(MIB_CHUNK);
      if (sent % 8 === 0) peak = Math.max(peak, await rssMiB(server.pid));
    }
  } catch {
    // the server closed the connection after its 413: the point
  }
  const text = await answer;
  peak = Math.max(peak, await rssMiB(server.pid));
  try {
    conn.close();
  } catch {
    // closed already
  }
  return { status: text.split("\r\n")[0], sentMiB: sent, peakMiB: peak };
}

Deno.test("a chunked 100 MiB body on a session gets 413 at the limit, RSS stays bounded (/mcp, /messages, /python/mcp)", async () => {
  await underAttack(async (server) => {
    const client = await connectStreamable(`${server.url}/mcp`);
    const id = sessionIdOf(client);
    const before = await rssMiB(server.pid);
    const mcp = await chunkedFlood(server, "/mcp", { "mcp-session-id": id }, 100);
    assert.match(mcp.status, / 413 /);
    assert.ok(mcp.sentMiB < 100, `the server read all ${mcp.sentMiB} MiB`);
    assert.ok(mcp.peakMiB - before < 64, `RSS ${before} → ${mcp.peakMiB} MiB`);
    const python = await chunkedFlood(server, "/python/mcp", {}, 100);
    assert.match(python.status, / 413 /);
    assert.ok(python.peakMiB - before < 64, `RSS ${before} → ${python.peakMiB} MiB`);
    // The legacy SSE POST path too.
    const sse = await connectSse(`${server.url}/sse`);
    const sseId = (sse as unknown as { transport: { _endpoint?: URL } }).transport._endpoint
      ?.searchParams.get("sessionId");
    assert.ok(sseId);
    const messages = await chunkedFlood(server, `/messages?sessionId=${sseId}`, {}, 100);
    assert.match(messages.status, / 413 /);
    assert.ok(messages.peakMiB - before < 64, `RSS ${before} → ${messages.peakMiB} MiB`);
    // The session survives its bad request.
    assert.equal(
      firstText(await client.callTool({ name: "python", arguments: { code: "print(1)" } })),
      "1\n",
    );
    await sse.close();
    await client.close();
  });
});

Deno.test("100 clients still sending a too-large body each get the 413, none a bare reset", async () => {
  await underAttack(async (server) => {
    const client = await connectStreamable(`${server.url}/mcp`);
    const headers = { "mcp-session-id": sessionIdOf(client) };
    const statuses: string[] = [];
    const head = encoder.encode(`${chunkedHead(server, "/mcp", headers)}1\r\n[\r\n`);
    for (let i = 0; i < 100; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      statuses.push(await floodUntilAnswered(conn, head, MIB_CHUNK, 100));
    }
    // Closed at once after its answer, the connection was reset while the client's bytes were
    // unread, and the client lost the answer: 12 of 100 got "" before the answer was held open.
    assert.deepEqual(statuses.filter((s) => !s.includes(" 413 ")), []);
    await client.close();
  });
});

Deno.test("slowloris: 200 connections sending headers one byte a second are cut at the header timeout; others are served meanwhile", async () => {
  await underAttack(async (server) => {
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 200; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(encoder.encode(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `));
      conns.push(conn);
    }
    const ended = conns.map(() => false);
    const answers = conns.map((conn, i) =>
      readAnswer(conn, 25_000).then((text) => {
        ended[i] = true;
        return text;
      })
    );
    const started = Date.now();
    let served = 0;
    while (ended.some((e) => !e) && Date.now() - started < 25_000) {
      await Promise.all(
        conns.map((c, i) => ended[i] ? 0 : c.write(encoder.encode("a")).catch(() => 0)),
      );
      // A normal client is answered at once while the slow ones hang on.
      const t = Date.now();
      const health = await fetch(`${server.url}/healthz`);
      await health.body?.cancel();
      assert.equal(health.status, 200);
      assert.ok(Date.now() - t < 2000, `a probe took ${Date.now() - t} ms`);
      served++;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const cutAfter = Date.now() - started;
    const texts = await Promise.all(answers);
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // closed by the server
      }
    }
    assert.ok(ended.every((e) => e), "every slow connection was closed by the server");
    assert.ok(cutAfter < 20_000, `cut after ${cutAfter} ms (header timeout 10 s)`);
    assert.ok(texts.every((t) => t === "" || / 408 /.test(t.split("\r\n")[0])));
    assert.ok(served >= 5, `a normal client was served ${served} times meanwhile`);
  });
});

Deno.test("a body that never ends gets 408 and the connection is closed", async () => {
  await underAttack(async (server) => {
    const id = await openRawSession(`${server.url}/mcp`);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(encoder.encode(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nMcp-Session-Id: ${id}\r\n` +
        `Content-Length: 1000000\r\n\r\n{"jsonrpc":"2.0",`,
    ));
    const started = Date.now();
    const answer = readAnswer(conn, 45_000);
    const trickle = setInterval(() => conn.write(encoder.encode(" ")).catch(() => {}), 1000);
    const text = await answer;
    clearInterval(trickle);
    const took = Date.now() - started;
    try {
      conn.close();
    } catch {
      // closed by the server
    }
    assert.match(text.split("\r\n")[0], / 408 /);
    assert.ok(took < 40_000, `answered after ${took} ms (request timeout 30 s)`);
  });
});

/** Sends one raw request with the given Host line(s); returns the status code. */
async function rawStatus(port: number, path: string, hostLines: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(`GET ${path} HTTP/1.1\r\n${hostLines}Connection: close\r\n\r\n`));
  const text = await readAnswer(conn, 10_000);
  try {
    conn.close();
  } catch {
    // closed by the server
  }
  return Number(text.split(" ")[1]);
}

const MALFORMED_HOSTS: Record<string, string> = {
  "localhost:evil": "Host: localhost:evil\r\n",
  "[::1]evil.com": "Host: [::1]evil.com\r\n",
  "empty": "Host: \r\n",
  "10 KB": `Host: ${"a".repeat(10 * 1024)}\r\n`,
  "a space": "Host: local host\r\n",
  "port out of digits": "Host: 127.0.0.1:80a\r\n",
  "long port": "Host: 127.0.0.1:1234567\r\n",
  "open bracket": "Host: [::1\r\n",
  "bare IPv6": "Host: ::1\r\n",
  "two Host headers": "Host: localhost\r\nHost: evil.com\r\n",
  "no Host header": "",
  "user info": "Host: user@localhost\r\n",
  "path in host": "Host: localhost/x\r\n",
  "control byte": "Host: local\x01host\r\n",
};

Deno.test("malformed Host headers get 4xx (never 500) on every path", async () => {
  await underAttack(async (server) => {
    for (const path of ["/mcp", "/sse", "/healthz", "/readyz", "/metrics", "/nope"]) {
      for (const [name, lines] of Object.entries(MALFORMED_HOSTS)) {
        const status = await rawStatus(server.port, path, lines);
        assert.ok(status >= 400 && status < 500, `${path} with ${name}: ${status}`);
      }
    }
    assert.equal(await rawStatus(server.port, "/healthz", "Host: localhost:8000\r\n"), 200);
    assert.equal(await rawStatus(server.port, "/healthz", "Host: [::1]:8000\r\n"), 200);
    assert.ok(!server.logs.some((l) => l.includes('"request failed"')), "no handler exception");
  });
});

Deno.test("huge echoed values (session ids, Host, Origin) come back quoted and cut", async () => {
  await underAttack(async (server) => {
    const huge = "s".repeat(12_000);
    const mcp = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": huge,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    const mcpText = await mcp.text();
    assert.equal(mcp.status, 404);
    assert.ok(mcpText.length < 400, `${mcpText.length} characters`);
    assert.match(mcpText, /\(12000 characters\)/);
    const sse = await fetch(`${server.url}/messages?sessionId=${huge}`, {
      method: "POST",
      body: "{}",
    });
    const sseText = await sse.text();
    assert.equal(sse.status, 404);
    assert.ok(sseText.length < 400, `${sseText.length} characters`);
    const origin = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { origin: `http://${"o".repeat(12_000)}.example` },
      body: "{}",
    });
    const originText = await origin.text();
    assert.equal(origin.status, 403);
    assert.ok(originText.length < 400, `${originText.length} characters`);
    const host = await rawStatus(server.port, "/mcp", `Host: ${"h".repeat(9000)}\r\n`);
    assert.equal(host, 400);
  });
});
