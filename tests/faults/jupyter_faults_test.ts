/**
 * Faults between sidekernel and Jupyter, through the real server process and
 * a real Jupyter Server behind a TCP proxy: the kernel killed mid-cell, the
 * Jupyter Server killed and restarted, a slow network, the kernel WebSocket
 * cut while a cell prints. Each case checks what the model reads, then that
 * the server still serves.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { jupyterFlags, startJupyterServer } from "../support/jupyter.ts";
import { startServer } from "../support/server.ts";
import { processesMatching, sleep, waitFor } from "./support/procs.ts";
import { record, since } from "./support/report.ts";
import { startTcpProxy } from "./support/tcp_proxy.ts";

const TIMEOUT_S = 10;
const jupyter = await startJupyterServer();
const proxy = await startTcpProxy(Number(new URL(jupyter.url).port));
const server = await startServer(
  [...jupyterFlags(jupyter, proxy.url), "--timeout", String(TIMEOUT_S)],
  { workspace: jupyter.rootDir },
);

Deno.test.afterAll(async () => {
  await server.stop();
  await proxy.close();
  await jupyter.stop();
});

const run = async (client: Client, code: string) =>
  firstText(await client.callTool({ name: "python", arguments: { code } }));

async function stillServes(client: Client): Promise<void> {
  assert.equal(await run(client, "print(6 * 7)"), "42\n");
  const health = await fetch(`${server.url}/healthz`);
  await health.body?.cancel();
  assert.equal(health.status, 200);
}

/** Kernel processes of the test's Jupyter Server (their connection files live in its runtime dir). */
const kernelProcesses = () => processesMatching(join(jupyter.rootDir, ".runtime"));

Deno.test("kernel SIGKILLed mid-cell: partial output and [STATE LOST], then the next call works", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await run(client, "kept = 1");
    const kernels = await kernelProcesses();
    assert.equal(kernels.length, 1, JSON.stringify(kernels));
    const started = performance.now();
    const call = run(client, "import time\nprint('before', flush=True)\ntime.sleep(30)");
    await sleep(1000);
    Deno.kill(kernels[0].pid, "SIGKILL");
    const text = await call;
    const ms = since(started);
    assert.match(text, /^before\n/);
    assert.match(text, /\[STATE LOST\] .*died/);
    assert.ok(ms < 15_000, `answered after ${ms} ms, not at the 30 s sleep`);
    const after = await run(client, "print('kept' in globals())");
    assert.match(after, /^False\n/);
    await stillServes(client);
    record({
      group: "jupyter",
      name: "kernel process SIGKILLed during `time.sleep(30)`",
      observed: "partial output + `[STATE LOST] … died`; next call runs on a new kernel",
      figures: { answer_ms: ms },
    });
  } finally {
    await client.close();
  }
});

Deno.test("kernel kills itself (os.kill(getpid(), 9)): clear answer, next call works", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const started = performance.now();
    const text = await run(
      client,
      // The pause lets ipykernel's IOPub thread send "bye" before the process dies.
      "import os, time\nprint('bye', flush=True)\ntime.sleep(0.3)\nos.kill(os.getpid(), 9)",
    );
    const ms = since(started);
    assert.match(text, /^bye\n/);
    assert.match(text, /\[STATE LOST\]/);
    await stillServes(client);
    record({
      group: "jupyter",
      name: "cell runs `os.kill(os.getpid(), 9)`",
      observed: "`bye` + `[STATE LOST]`; next call works",
      figures: { answer_ms: ms },
    });
  } finally {
    await client.close();
  }
});

Deno.test("Jupyter Server killed mid-cell and restarted: clear answer, the same MCP session goes on", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await run(client, "before_crash = 1");
    const started = performance.now();
    const call = run(client, "import time\nprint('started', flush=True)\ntime.sleep(30)");
    await sleep(1000);
    await jupyter.kill();
    const text = await call;
    const ms = since(started);
    assert.match(text, /^started\n/);
    assert.match(text, /\[STATE LOST\]/);
    assert.ok(ms < 10_000, `answered after ${ms} ms`);
    // While Jupyter is down, /healthz still answers (liveness), /readyz says not ready.
    const health = await fetch(`${server.url}/healthz`);
    await health.body?.cancel();
    assert.equal(health.status, 200);
    const ready = await fetch(`${server.url}/readyz`);
    await ready.body?.cancel();
    assert.equal(ready.status, 503);
    await jupyter.restart();
    const after = await run(client, "print('before_crash' in globals())");
    assert.match(after, /^False\n/);
    await stillServes(client);
    record({
      group: "jupyter",
      name: "Jupyter Server SIGKILLed (with its kernels) mid-cell, then restarted",
      observed:
        "partial output + `[STATE LOST]` at once; /readyz 503 while down; same MCP session works after restart",
      figures: { answer_ms: ms },
    });
  } finally {
    await client.close();
  }
});

Deno.test("Jupyter slow to answer (every chunk delayed): still correct, or a clear timeout", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await run(client, "import time");
    const figures: Record<string, number> = {};
    for (const delay of [50, 300]) {
      proxy.delayMs = delay;
      const started = performance.now();
      const text = await run(client, "print(sum(range(10)))");
      figures[`delay_${delay}ms_answer_ms`] = since(started);
      assert.equal(text, "45\n", `with ${delay} ms per chunk`);
    }
    // Slower than the timeout allows: the answer says so, within the timeout plus the
    // interrupt's own (slow) round trips.
    proxy.delayMs = 1500;
    const started = performance.now();
    const text = await run(client, "time.sleep(8)\nprint('done')");
    const ms = since(started);
    figures.delay_1500ms_sleep8_answer_ms = ms;
    assert.ok(
      text === "done\n" || /\[TIMEOUT\] Execution timed out after 10 s/.test(text),
      `neither the output nor a timeout: ${text}`,
    );
    assert.ok(ms < (TIMEOUT_S + 20) * 1000, `answered after ${ms} ms`);
    proxy.delayMs = 0;
    await stillServes(client);
    record({
      group: "jupyter",
      name: "proxy delays every TCP chunk by 50 / 300 / 1500 ms",
      observed: `correct output at 50 and 300 ms; at 1500 ms with an 8 s cell: ${
        text === "done\n" ? "correct output" : "[TIMEOUT] text"
      }`,
      figures,
    });
  } finally {
    proxy.delayMs = 0;
    await client.close();
  }
});

Deno.test("kernel WebSocket cut mid-execution: reconnects, every printed line exactly once", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await run(client, "import time");
    const lines = 30;
    const started = performance.now();
    const call = run(
      client,
      `for i in range(${lines}):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\nprint('end')`,
    );
    await sleep(1200);
    const cut = proxy.cut((c) => c.websocket);
    assert.equal(cut, 1, "one kernel WebSocket was live");
    const text = await call;
    const ms = since(started);
    const missing: number[] = [];
    const duplicated: number[] = [];
    for (let i = 0; i < lines; i++) {
      const n = text.split("\n").filter((l) => l === `line ${i}`).length;
      if (n === 0) missing.push(i);
      if (n > 1) duplicated.push(i);
    }
    record({
      group: "jupyter",
      name: "kernel WebSocket cut (TCP FIN) 1.2 s into a 3 s cell printing 30 numbered lines",
      observed: `missing lines: [${missing.join(",")}], duplicated: [${duplicated.join(",")}]`,
      figures: { answer_ms: ms, missing: missing.length, duplicated: duplicated.length },
    });
    assert.deepEqual({ missing, duplicated }, { missing: [], duplicated: [] }, text);
    assert.match(text, /end\n$/);
    assert.ok(
      await waitFor(() => proxy.live().some((c) => c.websocket), 5000),
      "the WebSocket is open again",
    );
    await stillServes(client);
  } finally {
    await client.close();
  }
});

Deno.test("kernel WebSocket reset (RST) mid-execution: reconnects, every printed line exactly once", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    await run(client, "import time");
    const lines = 30;
    const call = run(
      client,
      `for i in range(${lines}):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\nprint('end')`,
    );
    await sleep(1200);
    assert.equal(proxy.cut((c) => c.websocket, true), 1);
    const text = await call;
    const counts = Array.from(
      { length: lines },
      (_, i) => text.split("\n").filter((l) => l === `line ${i}`).length,
    );
    const missing = counts.flatMap((n, i) => n === 0 ? [i] : []);
    const duplicated = counts.flatMap((n, i) => n > 1 ? [i] : []);
    record({
      group: "jupyter",
      name: "kernel WebSocket reset (TCP RST) 1.2 s into the same cell",
      observed: `missing lines: [${missing.join(",")}], duplicated: [${duplicated.join(",")}]`,
      figures: { missing: missing.length, duplicated: duplicated.length },
    });
    assert.deepEqual({ missing, duplicated }, { missing: [], duplicated: [] }, text);
    await stillServes(client);
  } finally {
    await client.close();
  }
});
