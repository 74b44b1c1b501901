/**
 * The HTTP listener's own limits, in-process on loopback: a client that
 * never reads its answer is cut after the write-stall time and the answer
 * stream is cancelled; connections past the cap are closed at once.
 */
import assert from "node:assert/strict";
import { listen } from "../src/server/listen.ts";

Deno.test("listen(): a client that never reads a 256 MiB answer is cut after writeStallMs; the stream is cancelled", async () => {
  let cancelled = false;
  let produced = 0;
  const listener = await listen(() => {
    const chunk = new Uint8Array(1024 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= 256) return controller.close();
        produced++;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    return Promise.resolve(new Response(body));
  }, { hostname: "127.0.0.1", port: 0, writeStallMs: 1000, onError: () => {} });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    const started = Date.now();
    while (!cancelled && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(cancelled, "the answer stream was cancelled");
    assert.ok(produced < 64, `${produced} MiB were produced for a client that read nothing`);
    assert.ok(Date.now() - started < 5000, `cut after ${Date.now() - started} ms`);
    assert.equal(listener.connections, 0);
  } finally {
    conn.close();
    await listener.close(1000);
  }
});

Deno.test("listen(): connections past maxConnections are closed at once; the others are served", async () => {
  const listener = await listen(() => Promise.resolve(new Response("ok")), {
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 5,
    onError: () => {},
  });
  const held: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: listener.port }));
    }
    await new Promise((r) => setTimeout(r, 200));
    const extra = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const reader = extra.readable.getReader();
    const { done } = await reader.read();
    assert.equal(done, true, "the sixth connection is closed without an answer");
    held.pop()?.close();
    await new Promise((r) => setTimeout(r, 200));
    const response = await fetch(`http://127.0.0.1:${listener.port}/`);
    assert.equal(await response.text(), "ok");
  } finally {
    for (const conn of held) conn.close();
    await listener.close(1000);
  }
});
