/**
 * Hand-made MCP 2026-07-28 requests against the real server process (plain
 * fetch, no SDK client in the loop): `server/discover`, a sessionless
 * `tools/call`, and requests that get the envelope or the standard headers
 * wrong, each refused with a clear error while the server keeps serving. And
 * a v2 client over stdio, as a desktop client of the new revision starts it.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText, INITIALIZE, postMcp } from "./support/clients.ts";
import {
  answerOf,
  connectStdioV2,
  connectStreamableV2,
  envelope,
  LEGACY,
  messagesOf,
  MODERN,
  type ModernRequest,
  modernRequest,
  postModern,
  revisionOfV2,
} from "./support/clients_v2.ts";
import { makeWorkspace, ROOT, SERVE_ARGS, startServer, stopWithin } from "./support/server.ts";

const ws = makeWorkspace();
const server = await startServer(["--timeout", "60"], { workspace: ws.path });

Deno.test.afterAll(async () => {
  try {
    await stopWithin(server, 15_000);
  } finally {
    ws.cleanup();
  }
});

const SERVER_INFO = "io.modelcontextprotocol/serverInfo";

const PYTHON_CALL = {
  method: "tools/call",
  params: { name: "python", arguments: { code: "print(1 + 2)" } },
} as const;

for (const path of ["/mcp", "/python/mcp"]) {
  Deno.test(`raw server/discover on ${path}: 2026-07-28, the capabilities; initialize still answers 2025-11-25`, async () => {
    const response = await postModern(`${server.url}${path}`, { method: "server/discover" });
    assert.equal(response.status, 200);
    const answer = await answerOf(response);
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    const result = answer.result as {
      supportedVersions: string[];
      capabilities: Record<string, unknown>;
      instructions?: string;
    };
    assert.ok(result.supportedVersions.includes(MODERN), `${result.supportedVersions}`);
    // discover lists the revisions a request may name in its envelope; 2025-era
    // revisions are negotiated by initialize, which the same endpoint still answers.
    assert.ok(!result.supportedVersions.includes(LEGACY), `${result.supportedVersions}`);
    const init = await postMcp(`${server.url}${path}`, {
      ...INITIALIZE,
      params: { ...INITIALIZE.params, protocolVersion: LEGACY },
    });
    assert.equal(init.status, 200);
    assert.ok(init.headers.get("mcp-session-id"), "a 2025-11-25 client gets a session");
    const legacy = await answerOf(init);
    assert.equal((legacy.result as { protocolVersion?: string }).protocolVersion, LEGACY);
    const closed = await fetch(`${server.url}${path}`, {
      method: "DELETE",
      headers: { "mcp-session-id": init.headers.get("mcp-session-id") ?? "" },
    });
    await closed.body?.cancel();
    assert.ok(result.capabilities.tools, `capabilities: ${JSON.stringify(result.capabilities)}`);
    const meta = answer.result?._meta as Record<string, { name?: string }> | undefined;
    const serverInfo = meta?.[SERVER_INFO];
    assert.equal(serverInfo?.name, path === "/mcp" ? "sidekernel" : "python");
    if (path === "/mcp") {
      assert.ok(result.capabilities.resources, "the workspace is served as resources");
    } else {
      // gpt-oss reads the python tool description from the instructions.
      assert.match(result.instructions ?? "", /^Use this tool to execute Python code/);
    }
  });

  Deno.test(`raw tools/call on ${path}: runs python with no session`, async () => {
    const response = await postModern(`${server.url}${path}`, PYTHON_CALL);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("mcp-session-id"), null, "2026-07-28 has no sessions");
    const answer = await answerOf(response);
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.equal(firstText(answer.result), "3\n");
  });
}

Deno.test("raw tools/call with a progress token: progress on the answer's SSE stream, then the result", async () => {
  const response = await postModern(`${server.url}/mcp`, {
    method: "tools/call",
    params: { name: "python", arguments: { code: "import time\ntime.sleep(2)\nprint('slept')" } },
    meta: { ...envelope(), progressToken: "cell-1" },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const messages = await messagesOf(response);
  const progress = messages.filter((m) => m.method === "notifications/progress");
  assert.ok(progress.length >= 1, `progress before the result: ${JSON.stringify(messages)}`);
  assert.equal(progress[0].params?.progressToken, "cell-1");
  const last = messages.at(-1);
  assert.equal(firstText(last?.result), "slept\n");
});

Deno.test("raw tools/call whose client leaves: the cell is cancelled, the next call runs at once", async () => {
  // No progress token, so the answer would be one JSON body: only the closed
  // connection tells the server nobody waits for it.
  const { headers, body } = modernRequest({
    method: "tools/call",
    params: { name: "python", arguments: { code: "import time\ntime.sleep(40)\nprint('late')" } },
  });
  const leaving = new AbortController();
  const pending = fetch(`${server.url}/mcp`, {
    method: "POST",
    headers,
    body,
    signal: leaving.signal,
  }).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  leaving.abort();
  await pending;
  const started = performance.now();
  const next = await answerOf(await postModern(`${server.url}/mcp`, PYTHON_CALL));
  assert.equal(firstText(next.result), "3\n");
  // Pod scope runs one cell at a time: had the first run on, this call would wait ~40 s.
  assert.ok(performance.now() - started < 20_000, "the left cell was cancelled");
});

Deno.test("raw resources/read (Mcp-Name = the URI): a workspace file's text", async () => {
  const uri = `file://${ws.path}/report.txt`;
  Deno.writeTextFileSync(`${ws.path}/report.txt`, "42 rows\n");
  const response = await postModern(`${server.url}/mcp`, {
    method: "resources/read",
    params: { uri },
  });
  const answer = await answerOf(response);
  assert.equal(response.status, 200, JSON.stringify(answer));
  assert.deepEqual(answer.result?.contents, [{ uri, mimeType: "text/plain", text: "42 rows\n" }]);
});

/** Requests a 2026-07-28 client could get wrong, and what the answer must name. */
const MALFORMED: { label: string; request: ModernRequest; names: RegExp }[] = [
  {
    label: "Mcp-Method header disagrees with the body",
    request: { ...PYTHON_CALL, headers: { "mcp-method": "tools/list" } },
    names: /mcp-method/i,
  },
  {
    label: "Mcp-Name header disagrees with the body",
    request: { ...PYTHON_CALL, headers: { "mcp-name": "pods_list" } },
    names: /mcp-name/i,
  },
  {
    label: "MCP-Protocol-Version header disagrees with the envelope",
    request: { ...PYTHON_CALL, headers: { "mcp-protocol-version": LEGACY } },
    names: /protocol.?version/i,
  },
  {
    label: "no Mcp-Method header",
    request: { ...PYTHON_CALL, headers: { "mcp-method": null } },
    names: /mcp-method/i,
  },
  {
    label: "envelope with a client info that is not an object",
    request: {
      ...PYTHON_CALL,
      meta: { ...envelope(), "io.modelcontextprotocol/clientInfo": "me" },
    },
    names: /clientInfo/,
  },
  {
    label: "envelope of a revision the server does not serve",
    request: {
      ...PYTHON_CALL,
      meta: envelope("2099-01-01"),
      headers: { "mcp-protocol-version": "2099-01-01" },
    },
    names: new RegExp(MODERN),
  },
];

for (const { label, request, names } of MALFORMED) {
  Deno.test(`malformed 2026-07-28 request (${label}): a 400 naming it, then still serves`, async () => {
    const response = await postModern(`${server.url}/mcp`, request);
    const answer = await answerOf(response);
    assert.equal(response.status, 400, JSON.stringify(answer));
    assert.ok(answer.error, `an error answer: ${JSON.stringify(answer)}`);
    assert.match(`${answer.error.message} ${JSON.stringify(answer.error.data ?? "")}`, names);
    // The refusal ran no code and broke nothing: the same call done right works.
    const retry = await answerOf(await postModern(`${server.url}/mcp`, PYTHON_CALL));
    assert.equal(firstText(retry.result), "3\n");
  });
}

Deno.test("after the malformed requests, SDK clients of both revisions are served", async () => {
  const modern = await connectStreamableV2(`${server.url}/mcp`);
  const legacy = await connectStreamable(`${server.url}/mcp`);
  try {
    assert.equal(revisionOfV2(modern), MODERN);
    const code = { name: "python", arguments: { code: "print('still here')" } };
    assert.equal(firstText(await modern.callTool(code)), "still here\n");
    assert.equal(firstText(await legacy.callTool(code)), "still here\n");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await modern.close();
    await legacy.close();
  }
});

Deno.test("stdio: a v2 client starts sidekernel, negotiates 2026-07-28 and runs python", async () => {
  const { client, stderr } = await connectStdioV2(
    [...SERVE_ARGS, "--transport", "stdio", "--workspace-path", ws.path],
    { cwd: ROOT, env: { PATH: Deno.env.get("PATH") ?? "" } },
  );
  try {
    assert.equal(revisionOfV2(client), MODERN, stderr.join(""));
    assert.equal(client.getServerVersion()?.name, "sidekernel");
    const result = await client.callTool({
      name: "python",
      arguments: { code: "print('v2 via stdio')" },
    });
    assert.equal(firstText(result), "v2 via stdio\n");
  } finally {
    await client.close();
  }
});
