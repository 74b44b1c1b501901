/**
 * `--auth-token-file`: every MCP path needs the bearer token; probes do not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectSse, connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const ws = makeWorkspace();
const tokenFile = join(ws.path, "token");
Deno.writeTextFileSync(tokenFile, "correct-horse-battery-staple\n");
const server = await startServer(["--auth-token-file", tokenFile], { workspace: ws.path });
Deno.test.afterAll(async () => {
  await server.stop();
  ws.cleanup();
});

for (const path of ["/mcp", "/sse", "/messages?sessionId=x", "/python/mcp", "/python/sse"]) {
  for (const [label, header] of [["no", undefined], ["a wrong", "Bearer wrong"]] as const) {
    Deno.test(`${path} with ${label} token: 401 with WWW-Authenticate`, async () => {
      const method = path.includes("sse") ? "GET" : "POST";
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (header) headers.authorization = header;
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        body: method === "POST" ? "{}" : undefined,
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.match(await response.text(), /Authorization: Bearer/);
    });
  }
}

Deno.test("the right token opens Streamable HTTP and SSE; probes need none", async () => {
  const auth = { authorization: "Bearer correct-horse-battery-staple" };
  const client = await connectStreamable(`${server.url}/mcp`, auth);
  assert.equal(
    firstText(await client.callTool({ name: "python", arguments: { code: "print(1)" } })),
    "1\n",
  );
  await client.close();
  const sse = await connectSse(`${server.url}/python/sse`, auth);
  assert.equal(
    firstText(await sse.callTool({ name: "python", arguments: { code: "print(2)" } })),
    "2\n",
  );
  await sse.close();
  assert.equal(
    await fetch(`${server.url}/healthz`).then(async (r) => (await r.body?.cancel(), r.status)),
    200,
  );
});
