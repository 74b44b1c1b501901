import assert from "node:assert/strict";
import { SseServerTransport } from "./sse.ts";

async function readUntil(reader: ReadableStreamDefaultReader<string>, needle: string) {
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text;
}

Deno.test("SseServerTransport sends the endpoint first, then keep-alive comments while idle", async () => {
  const transport = new SseServerTransport({ endpoint: "/python/messages", keepAliveMs: 30 });
  await transport.start();
  const reader = transport.response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const text = await readUntil(reader, ": keep-alive\n\n");
    assert.ok(
      text.startsWith(
        `event: endpoint\ndata: /python/messages?sessionId=${transport.sessionId}\n\n`,
      ),
    );
    assert.match(text, /: keep-alive\n\n/);
  } finally {
    await reader.cancel();
    await transport.close();
  }
});

Deno.test("SseServerTransport.handlePost answers 400 for non-JSON-RPC and 202 for a message", async () => {
  const transport = new SseServerTransport({ endpoint: "/messages" });
  const received: unknown[] = [];
  transport.onmessage = (m) => received.push(m);
  await transport.start();
  const post = (body: string) =>
    transport.handlePost(new Request("http://x/messages", { method: "POST", body }));
  assert.equal((await post("{oops")).status, 400);
  assert.equal((await post(JSON.stringify({ hello: 1 }))).status, 400);
  assert.equal((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }))).status, 202);
  assert.deepEqual(received, [{ jsonrpc: "2.0", id: 1, method: "ping" }]);
  await transport.close();
});
