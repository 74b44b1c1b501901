/**
 * Liveness of a wedged server (docs/RELIABILITY.md, "Liveness"): with the
 * file-I/O pool blocked by FIFO opens, `/healthz` answers 503 and requests
 * answer within `--call-timeout`; with the event loop pinned, `/healthz`
 * does not answer (a kubelet probe failure). In both, SIGTERM ends the
 * process in bounded time. The wedge comes from `--debug-faults on` (off by
 * default, refused by the compiled binary): the request paths that used to
 * wedge the worker are fixed, so a test needs a deliberate one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText } from "../support/clients.ts";
import { makeWorkspace, startServer } from "../support/server.ts";

async function mkfifos(folder: string, count: number): Promise<void> {
  Deno.mkdirSync(folder, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => join(folder, `f${i}`));
  const out = await new Deno.Command("mkfifo", { args: names }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test("40 blocked FIFO opens: /healthz turns 503 within 3 s, resources/read answers within --call-timeout, SIGTERM exits", async () => {
  const ws = makeWorkspace();
  await mkfifos(join(ws.path, "fifos"), 40);
  Deno.writeTextFileSync(join(ws.path, "note.txt"), "hello");
  const server = await startServer(
    ["--debug-faults", "on", "--shutdown-grace", "2", "--call-timeout", "3"],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  let stopped = false;
  try {
    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.text()), "ok\n");
    const blocked = await client.callTool({
      name: "debug_block_io",
      arguments: { folder: "fifos" },
    });
    assert.match(firstText(blocked), /opening 40 files/);
    const started = Date.now();
    let health: Response | undefined;
    while (Date.now() - started < 10_000) {
      health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (health.status === 503) break;
      await health.body?.cancel();
      await new Promise((r) => setTimeout(r, 200));
    }
    const failedAfter = Date.now() - started;
    assert.equal(health?.status, 503);
    assert.match(await health!.text(), /file I\/O is stuck/);
    assert.ok(failedAfter < 3000, `/healthz failed after ${failedAfter} ms`);
    assert.ok(server.logs.some((l) => l.includes('"liveness check failed"')));

    // A request that needs file I/O is answered with the budget, not never.
    const readStarted = Date.now();
    await assert.rejects(
      client.readResource({ uri: `file://${ws.path}/note.txt` }),
      /did not finish within 3 s \(--call-timeout\)/,
    );
    assert.ok(Date.now() - readStarted < 8000, `answered after ${Date.now() - readStarted} ms`);

    const stopStarted = Date.now();
    await server.stop();
    stopped = true;
    const took = Date.now() - stopStarted;
    // --shutdown-grace 2 + the 10 s margin for a worker that answers but cannot finish.
    assert.ok(took < 16_000, `SIGTERM took ${took} ms`);
  } finally {
    await client.close().catch(() => {});
    if (!stopped) await server.stop();
    ws.cleanup();
  }
});

Deno.test("a pinned event loop: /healthz does not answer, SIGTERM exits in seconds despite --shutdown-grace 30", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--debug-faults", "on", "--shutdown-grace", "30"], {
    workspace: ws.path,
  });
  const client = await connectStreamable(`${server.url}/mcp`);
  let stopped = false;
  try {
    const pinned = client.callTool({ name: "debug_pin_loop", arguments: { seconds: 120 } })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    // A kubelet probe (timeoutSeconds: 1) fails: nothing answers.
    await assert.rejects(fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) }));
    await new Promise((r) => setTimeout(r, 4500));
    assert.ok(
      server.logs.some((l) => l.includes('"serving worker is stuck: no heartbeat"')),
      "the main isolate logs the stuck worker",
    );
    const stopStarted = Date.now();
    const code = await server.stop();
    stopped = true;
    const took = Date.now() - stopStarted;
    assert.equal(code, 1);
    assert.ok(took < 6000, `SIGTERM took ${took} ms`);
    assert.ok(server.logs.some((l) => l.includes("its event loop is stuck")));
    void pinned;
  } finally {
    await client.close().catch(() => {});
    if (!stopped) await server.stop();
    ws.cleanup();
  }
});

Deno.test("--debug-faults is off by default: the fault tools are not served", async () => {
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!names.some((n) => n.startsWith("debug_")), names.join(","));
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});
