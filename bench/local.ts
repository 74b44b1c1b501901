/**
 * Bench: the `local` executor (the default without --jupyter-url), measured
 * at the MCP level with a real client and a real server process:
 *
 * - `x=1` round trips over Streamable HTTP and SSE (compare with the raw
 *   Jupyter kernel over ZMQ, measured in the same run by bench/jupyter.ts);
 * - 20 sessions × 50 calls at once, pod scope and session scope: every
 *   answer must be the session's own;
 * - start-up of a local interpreter and its memory.
 *
 * Standalone: `deno run -P=bench bench/local.ts [runs]` prints the tables.
 *
 * @module
 */
import { type Client, connectSse, connectStreamable, firstText } from "../tests/support/clients.ts";
import { makeWorkspace, rssMiB, startServer } from "../tests/support/server.ts";
import { createLocalExecutor } from "../src/exec/local.ts";
import { silentLogger } from "../src/obs/log.ts";
import { percentile, type Row, timeRuns } from "./stats.ts";

/** The interpreter the Jupyter bench's kernel uses, so both run the same Python. */
const PYTHON = "/usr/bin/python3";

/** Options of {@link benchLocal}. */
export interface LocalBenchOptions {
  /** Round trips per transport. @default 200 */
  runs?: number;
  /** Concurrent sessions. @default 20 */
  sessions?: number;
  /** Calls per session. @default 50 */
  callsPerSession?: number;
  /** Start-ups measured. @default 10 */
  starts?: number;
}

/** What {@link benchLocal} measured. */
export interface LocalBenchResult {
  latency: Row[];
  /** p50 of `x=1` over Streamable HTTP, ms. */
  streamableP50: number;
  throughput: Row[];
  /** Calls answered wrongly or not at all, over both scopes. */
  wrongOrLost: number;
  footprint: Row[];
}

/** Runs the local-executor bench. */
export async function benchLocal(options: LocalBenchOptions = {}): Promise<LocalBenchResult> {
  const runs = options.runs ?? 200;
  const ws = makeWorkspace();
  try {
    const latency: Row[] = [];
    let streamableP50 = NaN;
    const throughput: Row[] = [];
    let wrongOrLost = 0;
    for (const scope of ["pod", "session"] as const) {
      const server = await startServer(["--python", PYTHON, "--kernel-scope", scope], {
        workspace: ws.path,
      });
      try {
        if (scope === "pod") {
          for (
            const [label, connect] of [
              ["Streamable HTTP", () => connectStreamable(`${server.url}/mcp`)],
              ["SSE", () => connectSse(`${server.url}/sse`)],
            ] as const
          ) {
            const client = await connect();
            const sample = await timeRuns(
              runs,
              () => client.callTool({ name: "python", arguments: { code: "x=1" } }),
              10,
            );
            await client.close();
            const p50 = percentile(sample, 50);
            if (label === "Streamable HTTP") streamableP50 = p50;
            latency.push({
              what: `sidekernel \`python\` x=1 over ${label}, local executor`,
              "p50 ms": p50,
              "p99 ms": percentile(sample, 99),
            });
          }
        }
        const row = await sessionsAtOnce(server.url, scope, options);
        wrongOrLost += Number(row["wrong or lost"]);
        throughput.push(row);
      } finally {
        await server.stop();
      }
    }
    return {
      latency,
      streamableP50,
      throughput,
      wrongOrLost,
      footprint: await startUp(ws.path, options.starts ?? 10),
    };
  } finally {
    ws.cleanup();
  }
}

/** Sessions calling at once; each answer must carry the session's own number. */
async function sessionsAtOnce(
  url: string,
  scope: "pod" | "session",
  options: LocalBenchOptions,
): Promise<Row> {
  const sessions = options.sessions ?? 20;
  const perSession = options.callsPerSession ?? 50;
  const clients = await Promise.all(
    Array.from({ length: sessions }, () => connectStreamable(`${url}/mcp`)),
  );
  const times: number[] = [];
  let wrong = 0;
  let notes = 0;
  const started = performance.now();
  await Promise.all(clients.map(async (client: Client, s) => {
    for (let i = 0; i < perSession; i++) {
      const n = s * 1000 + i;
      const t = performance.now();
      try {
        const text = firstText(
          await client.callTool({ name: "python", arguments: { code: `print(${n})` } }),
        );
        // A session scope interpreter evicted for another (cap 16) adds a note after the output.
        if (text !== `${n}\n` && !text.startsWith(`${n}\nNote:`)) wrong++;
        if (text.includes("Note:")) notes++;
      } catch {
        wrong++;
      }
      times.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return {
    what: `${sessions} sessions × ${perSession} calls, ${scope} scope`,
    calls: times.length,
    "wrong or lost": wrong,
    "interpreters replaced (cap)": notes,
    "calls/s": times.length / seconds,
    "p50 ms": percentile(times, 50),
    "p99 ms": percentile(times, 99),
  };
}

/** Time from nothing to the first answer of a new interpreter, and its memory once warm. */
async function startUp(workspacePath: string, starts: number): Promise<Row[]> {
  const firstCall: number[] = [];
  let rss = 0;
  for (let i = 0; i < starts; i++) {
    const executor = createLocalExecutor({
      python: PYTHON,
      workspacePath,
      timeoutSeconds: 30,
      logger: silentLogger,
    });
    const pids: string[] = [];
    const t = performance.now();
    await executor.execute({
      code: "import os\nprint(os.getpid(), os.getppid())",
      onOutput: (e) => e.type === "stream" && pids.push(...e.text.trim().split(" ")),
    });
    firstCall.push(performance.now() - t);
    if (i === starts - 1) {
      for (const pid of pids) rss += await rssMiB(Number(pid));
    }
    await executor.close();
  }
  const bare = await timeRuns(
    starts,
    () =>
      new Deno.Command(PYTHON, { args: ["-c", "pass"], stdout: "null", stderr: "null" }).output(),
    1,
  );
  return [
    {
      what: "local interpreter: start + first cell (supervisor + driver ready, `print`)",
      "p50 ms": percentile(firstCall, 50),
      "RSS MiB (interpreter + supervisor)": rss,
    },
    {
      what: `bare \`${PYTHON} -c pass\`, for scale`,
      "p50 ms": percentile(bare, 50),
      "RSS MiB (interpreter + supervisor)": "",
    },
  ];
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  const result = await benchLocal({ runs: Number(Deno.args[0] ?? 200) });
  const out = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text + "\n\n"));
  out(markdownTable(result.latency));
  out(markdownTable(result.throughput));
  out(markdownTable(result.footprint));
  Deno.exit(0);
}
