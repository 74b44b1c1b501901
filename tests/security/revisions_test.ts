/**
 * A 2026-07-28 request meets the same front door as a 2025-11-25 one: on a
 * loopback bind a foreign `Host` or `Origin` is refused (DNS rebinding), and
 * with `--auth-token-file` a request without the bearer token is refused,
 * before any code runs. Each case sends a python call that would leave a
 * file in the workspace, and asserts the file is not there; then a v2 client
 * is served and SIGTERM ends the process in time.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { firstText } from "../support/clients.ts";
import { answerOf, connectStreamableV2, modernRequest, postModern } from "../support/clients_v2.ts";
import { makeWorkspace, type ServerProcess, startServer, stopWithin } from "../support/server.ts";

/** A sessionless 2026-07-28 python call that leaves `<workspace>/<marker>` if it runs. */
function markingCall(workspace: string, marker: string) {
  const path = join(workspace, marker);
  return {
    method: "tools/call",
    params: {
      name: "python",
      arguments: { code: `open(${JSON.stringify(path)}, 'w').write('ran')` },
    },
  };
}

/** Sends one request over a hand-written HTTP/1.1 exchange (fetch always sends the URL's Host). */
async function rawPost(
  server: ServerProcess,
  host: string,
  request: ReturnType<typeof markingCall>,
) {
  const { headers, body } = modernRequest(request);
  const lines = [`POST /mcp HTTP/1.1`, `Host: ${host}`];
  headers.forEach((value, key) => lines.push(`${key}: ${value}`));
  lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`, "Connection: close");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n${body}`));
  return new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
}

async function stillServes(server: ServerProcess, headers?: HeadersInit): Promise<void> {
  const client = await connectStreamableV2(`${server.url}/mcp`, headers);
  try {
    const result = await client.callTool({ name: "python", arguments: { code: "print(6*7)" } });
    assert.equal(firstText(result), "42\n");
  } finally {
    await client.close();
  }
}

Deno.test("2026-07-28 on a loopback bind: a foreign Host or Origin is refused before any code runs", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--shutdown-grace", "2"], { workspace: ws.path });
  try {
    const byHost = await rawPost(server, "evil.example", markingCall(ws.path, "host"));
    assert.match(byHost, /^HTTP\/1\.1 403/);
    assert.match(byHost, /evil\.example/);
    const byOrigin = await postModern(`${server.url}/mcp`, {
      ...markingCall(ws.path, "origin"),
      headers: { origin: "http://evil.example" },
    });
    assert.equal(byOrigin.status, 403);
    assert.match(await byOrigin.text(), /evil\.example/);
    assert.ok(!existsSync(join(ws.path, "host")), "the call behind a foreign Host ran");
    assert.ok(!existsSync(join(ws.path, "origin")), "the call behind a foreign Origin ran");
    await stillServes(server);
  } finally {
    try {
      await stopWithin(server, 10_000);
    } finally {
      ws.cleanup();
    }
  }
});

Deno.test("2026-07-28 with --auth-token-file: no token or a wrong one gets 401, nothing runs", async () => {
  const ws = makeWorkspace();
  const tokenFile = join(ws.path, ".token");
  Deno.writeTextFileSync(tokenFile, "s3cret-token\n");
  const server = await startServer(["--auth-token-file", tokenFile, "--shutdown-grace", "2"], {
    workspace: ws.path,
  });
  try {
    for (const [marker, authorization] of [["none", null], ["wrong", "Bearer guess"]] as const) {
      const response = await postModern(`${server.url}/mcp`, {
        ...markingCall(ws.path, marker),
        headers: { authorization },
      });
      await response.body?.cancel();
      assert.equal(response.status, 401, `${marker} token`);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.ok(!existsSync(join(ws.path, marker)), `the call with ${marker} token ran`);
    }
    const allowed = await postModern(`${server.url}/mcp`, {
      ...markingCall(ws.path, "right"),
      headers: { authorization: "Bearer s3cret-token" },
    });
    const answer = await answerOf(allowed);
    assert.equal(allowed.status, 200, JSON.stringify(answer));
    assert.ok(existsSync(join(ws.path, "right")), "the call with the right token ran");
    await stillServes(server, { authorization: "Bearer s3cret-token" });
  } finally {
    try {
      await stopWithin(server, 10_000);
    } finally {
      ws.cleanup();
    }
  }
});
