/**
 * A client that goes away mid-call, without an MCP cancellation: its HTTP
 * request aborted (Streamable HTTP) or its SSE stream closed (legacy SSE).
 * The running code must be interrupted (what it would do after the sleep
 * never happens) and the kernel must stay usable for the next client.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText, openRawSession } from "../support/clients.ts";
import { jupyterFlags, startJupyterServer } from "../support/jupyter.ts";
import { openRawSse } from "../support/raw_sse.ts";
import { makeWorkspace, startServer } from "../support/server.ts";
import { descendants, sleep } from "./support/procs.ts";
import { record } from "./support/report.ts";

const jupyter = await startJupyterServer();
const pod = await startServer(
  [...jupyterFlags(jupyter), "--timeout", "30"],
  { workspace: jupyter.rootDir },
);
const ws = makeWorkspace();
const sub = await startServer(["--executor", "subprocess", "--timeout", "30"], {
  workspace: ws.path,
});

Deno.test.afterAll(async () => {
  await pod.stop();
  await sub.stop();
  await jupyter.stop();
  ws.cleanup();
});

const ACCEPT = "application/json, text/event-stream";

/** Opens a Streamable HTTP session by hand; returns its id. */
async function rawSession(base: string): Promise<string> {
  return await openRawSession(`${base}/mcp`);
}

/** POSTs a python call and aborts the request after `afterMs` (no cancellation message). */
async function callThenDrop(base: string, code: string, afterMs: number): Promise<void> {
  const session = await rawSession(base);
  const abort = new AbortController();
  const call = fetch(`${base}/mcp`, {
    method: "POST",
    signal: abort.signal,
    headers: { "content-type": "application/json", accept: ACCEPT, "mcp-session-id": session },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "python", arguments: { code } },
    }),
  }).then((r) => r.text());
  await sleep(afterMs);
  abort.abort();
  await assert.rejects(call);
}

const run = async (url: string, code: string) => {
  const client = await connectStreamable(`${url}/mcp`);
  try {
    return firstText(await client.callTool({ name: "python", arguments: { code } }));
  } finally {
    await client.close();
  }
};

Deno.test("Streamable HTTP request aborted mid-call: the cell is interrupted, the kernel usable", async () => {
  await run(pod.url, "finished = None");
  const started = performance.now();
  await callThenDrop(pod.url, "import time\ntime.sleep(5)\nfinished = 'http'", 1000);
  // Past the sleep's end: had the cell gone on, `finished` would be set by now.
  await sleep(5500 - (performance.now() - started));
  const seen = await run(pod.url, "print(finished)");
  record({
    group: "disconnect",
    name: "jupyter: Streamable HTTP POST aborted 1 s into `time.sleep(5)`",
    observed: seen === "None\n"
      ? "cell interrupted (the line after the sleep never ran); kernel usable"
      : `cell NOT interrupted: after the sleep, \`finished\` = ${seen.trim()}`,
  });
  assert.equal(seen, "None\n", "the line after the sleep must not have run");
  assert.equal(await run(pod.url, "print(6 * 7)"), "42\n");
});

Deno.test("legacy SSE stream closed mid-call: the cell is interrupted, the kernel usable", async () => {
  await run(pod.url, "finished = None");
  const started = performance.now();
  const sse = await openRawSse(`${pod.url}/python/sse`);
  await sse.request("initialize", {
    protocolVersion: "2024-11-05",
    capabilities: {},
    clientInfo: { name: "disconnect", version: "1" },
  });
  await sse.notify("notifications/initialized");
  void sse.request("tools/call", {
    name: "python",
    arguments: { code: "import time\ntime.sleep(5)\nfinished = 'sse'" },
  }).catch(() => {});
  await sleep(1000);
  sse.close();
  await sleep(5500 - (performance.now() - started));
  const seen = await run(pod.url, "print(finished)");
  record({
    group: "disconnect",
    name: "jupyter: legacy SSE stream closed 1 s into `time.sleep(5)`",
    observed: seen === "None\n"
      ? "cell interrupted; kernel usable"
      : `cell NOT interrupted: after the sleep, \`finished\` = ${seen.trim()}`,
  });
  assert.equal(seen, "None\n", "the line after the sleep must not have run");
  assert.equal(await run(pod.url, "print(6 * 7)"), "42\n");
});

Deno.test("subprocess executor: request aborted mid-call kills the cell's processes", async () => {
  const marker = join(ws.path, "finished.txt");
  const started = performance.now();
  const dropped = callThenDrop(
    sub.url,
    `import time\ntime.sleep(5)\nopen(${JSON.stringify(marker)}, 'w').write('x')`,
    1000,
  );
  await dropped;
  await sleep(500);
  // The warm interpreter that forks each call (a direct child of the server, no cell file in
  // its arguments) stays by design; the call's own processes are its descendants.
  const left = (await descendants(sub.pid)).filter((p) =>
    p.args.includes("python") && !(p.ppid === sub.pid && !p.args.includes(".sidekernel"))
  );
  await sleep(Math.max(0, 5500 - (performance.now() - started)));
  const written = await Deno.stat(marker).then(() => true, () => false);
  record({
    group: "disconnect",
    name: "subprocess: Streamable HTTP POST aborted 1 s into `time.sleep(5)`",
    observed: written
      ? `cell NOT stopped: it ran to the end (${left.length} python processes 0.5 s after the abort)`
      : "cell process group killed; nothing after the sleep ran",
    figures: { python_processes_after_abort: left.length },
  });
  assert.equal(written, false, "the line after the sleep must not have run");
  assert.deepEqual(left.map((p) => p.args), []);
  assert.equal(await run(sub.url, "print(6 * 7)"), "42\n");
});
