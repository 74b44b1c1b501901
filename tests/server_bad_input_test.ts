/**
 * Bad input against the real server process: each case gets a clear answer
 * and the server keeps serving.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const ws = makeWorkspace();
// The subprocess executor: a fresh process per call (fork containment is per call).
const server = await startServer(["--executor", "subprocess", "--timeout", "3"], {
  workspace: ws.path,
});
const client: Client = await connectStreamable(`${server.url}/mcp`);
Deno.test.afterAll(async () => {
  await client.close();
  await server.stop();
  ws.cleanup();
});

async function run(code: string): Promise<string> {
  return firstText(await client.callTool({ name: "python", arguments: { code } }));
}

async function stillServes(): Promise<void> {
  assert.equal(await run("print('alive')"), "alive\n");
}

/** Calls a tool and returns the error text, whether it came as an isError result or an MCP error. */
async function toolError(name: string, args: Record<string, unknown>): Promise<string> {
  try {
    const result = await client.callTool({ name, arguments: args });
    assert.equal(result.isError, true, `expected an error result, got ${JSON.stringify(result)}`);
    return firstText(result);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

Deno.test("python without code: the error names the argument `code`", async () => {
  assert.match(await toolError("python", {}), /code/);
  await stillServes();
});

Deno.test("python with a non-string code: the error names `code` and the expected type", async () => {
  assert.match(await toolError("python", { code: 42 }), /code/);
  await stillServes();
});

Deno.test("python with 1 MB of code: refused with the limit and what to do instead", async () => {
  const text = await toolError("python", { code: "#" + "x".repeat(1024 * 1024) });
  assert.match(text, /code is too long/);
  assert.match(text, /262144/);
  await stillServes();
});

Deno.test("a syntax error is shown with its line, once", async () => {
  const text = await run("print(1\nx = 2");
  assert.match(text, /SyntaxError/);
  assert.equal(text.match(/SyntaxError/g)?.length, 1);
  await stillServes();
});

Deno.test("input() fails at once with a clear message", async () => {
  const started = Date.now();
  const text = await run("name = input('Your name? ')");
  assert.ok(Date.now() - started < 2500, "does not wait for the timeout");
  assert.match(text, /input\(\) is not available/);
  await stillServes();
});

Deno.test("an infinite loop times out with its partial output, then the next call works", async () => {
  const text = await run("print('before', flush=True)\nwhile True:\n    pass");
  assert.match(text, /^before\n/);
  assert.match(text, /\[TIMEOUT\] Execution timed out after 3 s and was interrupted/);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^sidekernel_tool_calls_total\{tool="python",outcome="timeout"\} 1$/m);
  await stillServes();
});

Deno.test("a forked child that outlives the call is killed with its process group", async () => {
  const marker = join(ws.path, "fork-survived.txt");
  const text = await run(
    "import os, time\n" +
      "if os.fork() == 0:\n" +
      "    time.sleep(1.5)\n" +
      `    open(${JSON.stringify(marker)}, 'w').write('still here')\n` +
      "    os._exit(0)\n" +
      "print('parent done')",
  );
  assert.equal(text, "parent done\n");
  await new Promise((r) => setTimeout(r, 2500));
  assert.throws(() => Deno.statSync(marker), Deno.errors.NotFound);
});

Deno.test("200 MB of output: the answer is truncated, saved in full, and memory stays bounded", async () => {
  const text = await run(
    "import sys\nline = 'y' * 1023 + '\\n'\nfor i in range(200 * 1024):\n    sys.stdout.write(line)\nprint('the end')",
  );
  assert.ok(text.length < 25_000, `answer is ${text.length} characters`);
  assert.match(text, /characters cut here; the full output is saved in /);
  assert.match(text, /the end\n$/);
  const saved = /saved in (\S+) \.\.\.\]/.exec(text)?.[1] ?? "";
  assert.ok(saved.startsWith(join(ws.path, "outputs")), saved);
  assert.ok(Deno.statSync(saved).size > 1_000_000);
  const proc = await new Deno.Command("cat", { args: [`/proc/${server.pid}/status`] }).output();
  const status = new TextDecoder().decode(proc.stdout);
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  assert.ok(peakKb < 400_000, `server peak RSS ${peakKb} kB`);
});

Deno.test("bytes that are not UTF-8 come back as replacement characters", async () => {
  assert.equal(
    await run("import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe\\n')"),
    "ok \uFFFD\uFFFD\n",
  );
});

Deno.test("ANSI colours are stripped", async () => {
  assert.equal(await run("print('\\x1b[31mred\\x1b[0m')"), "red\n");
});

Deno.test("an unknown tool gets an error naming it", async () => {
  assert.match(await toolError("no_such_tool", {}), /no_such_tool/);
  await stillServes();
});

Deno.test("malformed JSON-RPC gets HTTP 400 on /mcp and on /messages; the server keeps serving", async () => {
  const bad = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: "{not json",
  });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const noSession = await fetch(`${server.url}/messages?sessionId=nope`, {
    method: "POST",
    body: "{}",
  });
  assert.equal(noSession.status, 404);
  await noSession.body?.cancel();
  await stillServes();
});

Deno.test("a Host header that is not loopback is refused (DNS rebinding)", async () => {
  // fetch() always sends the URL's host, so speak HTTP/1.1 by hand.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(
    "POST /mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\n" +
      "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
  ));
  const raw = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
  assert.match(raw, /^HTTP\/1\.1 403/);
  assert.match(raw, /evil\.example/);
  const origin = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { origin: "http://evil.example", "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(origin.status, 403);
  await origin.body?.cancel();
  await stillServes();
});
