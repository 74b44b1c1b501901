/**
 * Load with faults: 50 MCP sessions × 100 `python` calls on the jupyter
 * executor, session scope, 10 % of the calls past `--timeout 4`
 * (`time.sleep(6)`) and 5 % raising. (With 16 busy kernels on 2 cores a
 * trivial cell can take over 2 s of wall clock, so the timeout leaves room.) Every call must get exactly one answer
 * of the right kind (the value / the traceback / the timeout text); p50/p99
 * are reported; the server's RSS must come back near its baseline.
 *
 * Why session scope: the pod kernel runs one cell at a time, so 500 timeouts
 * of 2 s would take over 1000 s by construction. Each session (an agent)
 * makes its calls one after another on its own kernel; sessions run
 * `FAULTS_LOAD_CONCURRENCY` at a time (default 16, the session-kernel cap),
 * and a closed session frees its kernel.
 *
 * Scale: `FAULTS_LOAD_SESSIONS` (50), `FAULTS_LOAD_CALLS` (100),
 * `FAULTS_LOAD_CONCURRENCY` (16).
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "../support/clients.ts";
import { jupyterFlags, startJupyterServer } from "../support/jupyter.ts";
import { startServer } from "../support/server.ts";
import { quantile, rssMiB, sleep, waitFor } from "./support/procs.ts";
import { record } from "./support/report.ts";

const SESSIONS = Number(Deno.env.get("FAULTS_LOAD_SESSIONS") ?? 50);
const CALLS = Number(Deno.env.get("FAULTS_LOAD_CALLS") ?? 100);
const CONCURRENCY = Number(Deno.env.get("FAULTS_LOAD_CONCURRENCY") ?? 16);
/** How far above its baseline the server's RSS may stay once the load is gone. */
const RSS_SLACK_MIB = 64;

/** The server's --timeout in this test. */
const TIMEOUT_S = 4;

type Kind = "value" | "timeout" | "error";
const kindOf = (i: number): Kind => i % 10 === 3 ? "timeout" : i % 20 === 7 ? "error" : "value";

Deno.test("50 sessions × 100 calls, 10% timeouts, 5% errors: one right answer each, memory back", async () => {
  const jupyter = await startJupyterServer();
  const server = await startServer([
    ...jupyterFlags(jupyter),
    "--kernel-scope",
    "session",
    "--timeout",
    String(TIMEOUT_S),
  ], { workspace: jupyter.rootDir });
  try {
    const warm = await connectStreamable(`${server.url}/mcp`);
    await warm.callTool({ name: "python", arguments: { code: "1" } });
    await warm.close();
    await sleep(1000);
    const baseline = await rssMiB(server.pid);
    let peak = baseline;
    const sampler = setInterval(async () => {
      peak = Math.max(peak, await rssMiB(server.pid));
    }, 500);

    const latencies: Record<Kind, number[]> = { value: [], timeout: [], error: [] };
    const wrong: string[] = [];
    const answers = new Map<string, number>();
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < SESSIONS) {
        const s = next++;
        const client = await connectStreamable(`${server.url}/mcp`);
        try {
          for (let i = 0; i < CALLS; i++) {
            const kind = kindOf(i);
            const code = kind === "timeout"
              ? `import time\ntime.sleep(${TIMEOUT_S + 2})`
              : kind === "error"
              ? `raise ValueError('boom-${s}-${i}')`
              : `print(${s * 1000 + i})`;
            const t0 = performance.now();
            let text: string;
            try {
              text = firstText(await client.callTool({ name: "python", arguments: { code } }));
            } catch (e) {
              text = `CALL FAILED: ${e}`;
            }
            latencies[kind].push(performance.now() - t0);
            const key = `${s}/${i}`;
            answers.set(key, (answers.get(key) ?? 0) + 1);
            const ok = kind === "timeout"
              ? text.includes(`[TIMEOUT] Execution timed out after ${TIMEOUT_S} s`)
              : kind === "error"
              ? text.includes(`ValueError: boom-${s}-${i}`)
              : text === `${s * 1000 + i}\n`;
            if (!ok) wrong.push(`${key} (${kind}): ${text.slice(0, 200)}`);
          }
        } finally {
          // Ends the MCP session (DELETE), which frees its kernel.
          await (client.transport as { terminateSession?: () => Promise<void> })
            .terminateSession?.().catch(() => {});
          await client.close();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, SESSIONS) }, worker));
    const seconds = (performance.now() - started) / 1000;
    // Sessions are gone: memory should come back.
    const kernelsGone = await waitFor(async () => {
      const res = await fetch(`${jupyter.url}/api/kernels`, {
        headers: { Authorization: `token ${jupyter.token}` },
      });
      return ((await res.json()) as unknown[]).length === 0;
    }, 15_000);
    await sleep(5000);
    clearInterval(sampler);
    const after = await rssMiB(server.pid);
    const all = [...latencies.value, ...latencies.timeout, ...latencies.error];
    const ms = (v: number) => Math.round(v);
    const figures = {
      sessions: SESSIONS,
      calls: all.length,
      concurrency: CONCURRENCY,
      wrong_or_lost: wrong.length + (SESSIONS * CALLS - answers.size),
      duplicated: [...answers.values()].filter((n) => n > 1).length,
      seconds: Math.round(seconds),
      calls_per_s: Math.round(all.length / seconds),
      value_p50_ms: ms(quantile(latencies.value, 0.5)),
      value_p99_ms: ms(quantile(latencies.value, 0.99)),
      error_p99_ms: ms(quantile(latencies.error, 0.99)),
      timeout_p50_ms: ms(quantile(latencies.timeout, 0.5)),
      timeout_p99_ms: ms(quantile(latencies.timeout, 0.99)),
      all_p99_ms: ms(quantile(all, 0.99)),
      rss_baseline_mib: Math.round(baseline),
      rss_peak_mib: Math.round(peak),
      rss_after_mib: Math.round(after),
    };
    record({
      group: "load",
      name: `${SESSIONS} sessions × ${CALLS} calls, ${CONCURRENCY} at a time, session kernels`,
      observed: wrong.length === 0 ? "every call answered once, right kind" : wrong[0],
      figures,
    });
    await Deno.stderr.write(new TextEncoder().encode(`load: ${JSON.stringify(figures)}\n`));
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.equal(answers.size, SESSIONS * CALLS, "every call answered");
    assert.equal(figures.duplicated, 0);
    assert.ok(kernelsGone, "closed sessions' kernels are shut down");
    assert.ok(
      after - baseline < RSS_SLACK_MIB,
      `RSS ${after.toFixed(0)} MiB after vs ${baseline.toFixed(0)} MiB baseline`,
    );
  } finally {
    await server.stop();
    await jupyter.stop();
  }
});
