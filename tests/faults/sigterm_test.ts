/**
 * SIGTERM while 20 executions run, as Kubernetes stops a pod: running cells
 * that end within `--shutdown-grace` give their result, the rest get a clear
 * error, calls made while draining are refused with a clear text, every call
 * gets exactly one answer, the process exits 0 within the grace, and nothing
 * it started is left running (cell processes; kernels it created).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { jupyterFlags, startJupyterServer } from "../support/jupyter.ts";
import { makeWorkspace, type ServerProcess, startServer } from "../support/server.ts";
import { processes, processesMatching, sleep, waitFor } from "./support/procs.ts";
import { record, since } from "./support/report.ts";

const GRACE_S = 4;

/** Living processes whose working directory is `dir` (every cell process of a workspace). */
async function processesIn(dir: string) {
  return (await processes()).filter((p) => {
    try {
      return Deno.readLinkSync(`/proc/${p.pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}
/** What the process may take past the grace: interrupting, answering, deleting kernels. */
// Answers, then the DELETE of every kernel sidekernel created (Jupyter waits for each to exit).
const EXIT_SLACK_MS = 5000;

/** How one call ended, as its client saw it. */
type Outcome =
  | { kind: "result"; text: string; isError: boolean }
  | { kind: "rpc-error"; code: number; message: string }
  | { kind: "transport-failure"; message: string };

/** Calls python and records how the call ended; counts settlements. */
function call(client: Client, code: string, settled: number[], i: number): Promise<Outcome> {
  return client.callTool({ name: "python", arguments: { code } }, undefined, { timeout: 120_000 })
    .then(
      (r): Outcome => ({ kind: "result", text: firstText(r), isError: r.isError === true }),
      (e: unknown): Outcome => {
        const code = (e as { code?: unknown }).code;
        return typeof code === "number" && code !== -32001
          ? { kind: "rpc-error", code, message: String((e as Error).message) }
          : { kind: "transport-failure", message: String(e) };
      },
    ).finally(() => settled[i]++);
}

const SHUTDOWN_TEXT = /shutting down|shut down|CANCELLED|interrupted/i;

/** Sends SIGTERM, waits for exit; checks outcomes. */
async function terminateAndCheck(
  server: ServerProcess,
  calls: Promise<Outcome>[],
  settled: number[],
  lateClient: Client,
  expectFinished: (i: number) => boolean,
): Promise<{ exitMs: number; code: number; finished: number; refused: number; late: Outcome }> {
  const started = performance.now();
  const exiting = server.stop();
  await sleep(300);
  // A call made while draining is refused with a clear answer.
  const late = await call(lateClient, "print('late')", [0], 0);
  const code = await exiting;
  const exitMs = since(started);
  const outcomes = await Promise.all(calls);
  await sleep(200); // any second settlement would show up now
  assert.deepEqual(settled, settled.map(() => 1), "every call settled exactly once");
  let finished = 0;
  let refused = 0;
  outcomes.forEach((o, i) => {
    assert.notEqual(o.kind, "transport-failure", `call ${i}: ${JSON.stringify(o)}`);
    if (o.kind === "result" && /done\n/.test(o.text)) {
      finished++;
      return;
    }
    refused++;
    const text = o.kind === "result" ? o.text : o.kind === "rpc-error" ? o.message : "";
    assert.match(text, SHUTDOWN_TEXT, `call ${i}: ${JSON.stringify(o)}`);
    assert.equal(expectFinished(i), false, `call ${i} should have finished: ${JSON.stringify(o)}`);
  });
  return { exitMs, code, finished, refused, late };
}

Deno.test("SIGTERM during 20 subprocess executions: all answered, exit 0 within the grace, no orphans", async () => {
  const ws = makeWorkspace();
  const server = await startServer(
    [
      "--executor",
      "subprocess",
      "--timeout",
      "60",
      "--shutdown-grace",
      String(GRACE_S),
      "--max-executions",
      "64",
    ],
    { workspace: ws.path },
  );
  const clients = await Promise.all(
    Array.from({ length: 21 }, () => connectStreamable(`${server.url}/mcp`)),
  );
  try {
    const settled = Array(20).fill(0);
    // Even calls end within the grace; odd ones would run for 30 s.
    const calls = Array.from({ length: 20 }, (_, i) =>
      call(
        clients[i],
        `import time\nopen("started-${i}", "w").close()\n` +
          (i % 2 === 0 ? "time.sleep(2)\nprint('done')" : "time.sleep(30)"),
        settled,
        i,
      ));
    const running = () =>
      [...Deno.readDirSync(ws.path)].filter((e) => e.name.startsWith("started-")).length >= 20;
    assert.ok(await waitFor(running, 15_000), "20 cells running");
    const r = await terminateAndCheck(server, calls, settled, clients[20], (i) => i % 2 === 0);
    // Cell processes, and the warm interpreter that forks them, all have the workspace as cwd.
    const orphans = await processesIn(ws.path);
    record({
      group: "sigterm",
      name: "subprocess executor: SIGTERM with 20 cells running (10 × 2 s, 10 × 30 s)",
      observed:
        `exit ${r.code} after ${r.exitMs} ms; ${r.finished} results, ${r.refused} clear errors; ` +
        `late call: ${JSON.stringify(r.late).slice(0, 120)}; ${orphans.length} cell processes left`,
      figures: { grace_s: GRACE_S, exit_ms: r.exitMs, finished: r.finished, refused: r.refused },
    });
    assert.equal(r.code, 0);
    assert.ok(r.exitMs < GRACE_S * 1000 + EXIT_SLACK_MS, `exited after ${r.exitMs} ms`);
    assert.equal(r.finished, 10, "the cells that end within the grace give their result");
    assert.notEqual(r.late.kind, "transport-failure", JSON.stringify(r.late));
    assert.deepEqual(orphans.map((p) => p.args), []);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server.stop();
    for (const p of await processesIn(ws.path)) Deno.kill(p.pid, "SIGKILL");
    ws.cleanup();
  }
});

Deno.test("SIGTERM during 20 jupyter executions on 10 session kernels: all answered, kernels shut down", async () => {
  const jupyter = await startJupyterServer();
  const server = await startServer([
    ...jupyterFlags(jupyter),
    "--kernel-scope",
    "session",
    "--timeout",
    "60",
    "--shutdown-grace",
    String(GRACE_S),
    "--max-executions",
    "64",
  ], { workspace: jupyter.rootDir });
  const kernelsNow = async () => {
    const res = await fetch(`${jupyter.url}/api/kernels`, {
      headers: { Authorization: `token ${jupyter.token}` },
    });
    return (await res.json()) as { id: string }[];
  };
  const runtime = join(jupyter.rootDir, ".runtime");
  const clients = await Promise.all(
    Array.from({ length: 11 }, () => connectStreamable(`${server.url}/mcp`)),
  );
  try {
    // Start the 10 session kernels first, as sessions that already worked.
    await Promise.all(
      clients.slice(0, 10).map((c) =>
        c.callTool({ name: "python", arguments: { code: "import time" } })
      ),
    );
    const created = await kernelsNow();
    assert.equal(created.length, 10);
    const settled = Array(20).fill(0);
    // Per kernel: a 1.5 s cell (ends within the grace), then a 30 s one queued behind it. The
    // 30 s ones are sent a moment later: two POSTs of one session sent at once may arrive in
    // either order, and a 1.5 s cell queued behind a 30 s one cannot end within the grace.
    const first = Array.from(
      { length: 10 },
      (_, i) => call(clients[i], "time.sleep(1.5)\nprint('done')", settled, i),
    );
    await sleep(300);
    const second = Array.from(
      { length: 10 },
      (_, i) => call(clients[i], "time.sleep(30)", settled, i + 10),
    );
    const calls = [...first, ...second];
    await sleep(400);
    const r = await terminateAndCheck(server, calls, settled, clients[10], (i) => i < 10);
    const left = await kernelsNow();
    const kernelProcs = await waitFor(
      async () => (await processesMatching(runtime)).length === 0,
      5000,
    );
    record({
      group: "sigterm",
      name:
        "jupyter executor, session scope: SIGTERM with 20 executions on 10 kernels (10 × 1.5 s running, 10 × 30 s queued)",
      observed:
        `exit ${r.code} after ${r.exitMs} ms; ${r.finished} results, ${r.refused} clear errors; ` +
        `late call: ${
          JSON.stringify(r.late).slice(0, 120)
        }; kernels left on Jupyter: ${left.length}`,
      figures: { grace_s: GRACE_S, exit_ms: r.exitMs, finished: r.finished, refused: r.refused },
    });
    assert.equal(r.code, 0);
    assert.ok(r.exitMs < GRACE_S * 1000 + EXIT_SLACK_MS, `exited after ${r.exitMs} ms`);
    assert.equal(r.finished, 10);
    assert.deepEqual(
      left.map((k) => k.id),
      [],
      `every kernel sidekernel created was shut down; its log:\n${
        server.logs.filter((l) => /kernel|shut|session/i.test(l)).slice(-15).join("\n")
      }`,
    );
    assert.ok(kernelProcs, "no kernel process left");
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server.stop();
    await jupyter.stop();
  }
});
