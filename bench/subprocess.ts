/**
 * Bench: a trivial `python` call with the subprocess executor, next to a bare
 * `python3 -c pass` of the same interpreter, in one run: over Streamable
 * HTTP (the fork server forks each call), and the executor alone, forked and
 * in a fresh process per call (what platforms without fork get).
 *
 * Row 0 is the bare interpreter, row 1 the MCP call; `ratio` is p50 / row 0's.
 *
 * @module
 */
import { createSubprocessExecutor } from "../src/exec/subprocess.ts";
import { silentLogger } from "../src/obs/log.ts";
import { connectStreamable } from "../tests/support/clients.ts";
import { makeWorkspace, startServer } from "../tests/support/server.ts";
import { percentile, type Row, timeRuns } from "./stats.ts";

/** Measures every path and returns table rows (milliseconds). */
export async function benchSubprocess(runs = 30): Promise<Row[]> {
  const real = new TextDecoder().decode(
    (await new Deno.Command("python3", { args: ["-c", "import sys; print(sys.executable)"] })
      .output()).stdout,
  ).trim();
  const ws = makeWorkspace();
  const server = await startServer(["--executor", "subprocess", "--toolsets", "python"], {
    workspace: ws.path,
  });
  const client = await connectStreamable(`${server.url}/mcp`);
  const forked = createSubprocessExecutor({
    python: real,
    workspacePath: ws.path,
    timeoutSeconds: 30,
    logger: silentLogger,
  });
  const fresh = createSubprocessExecutor({
    python: real,
    workspacePath: ws.path,
    timeoutSeconds: 30,
    logger: silentLogger,
    forkServer: false,
  });
  const bare = (python: string) => async () => {
    const out = await new Deno.Command(python, { args: ["-c", "pass"], stdout: "null" }).output();
    if (!out.success) throw new Error(`${python} -c pass failed`);
  };
  const paths: { what: string; run: () => Promise<unknown>; ms: number[] }[] = [
    { what: `bare \`${real} -c pass\` (the interpreter behind \`python3\`)`, run: bare(real) },
    {
      what:
        "`python` call `pass`, Streamable HTTP, subprocess executor (forked by the fork server)",
      run: () => client.callTool({ name: "python", arguments: { code: "pass" } }),
    },
    {
      what: "subprocess executor alone, call forked by the fork server",
      run: () => forked.execute({ code: "pass", onOutput: () => {} }),
    },
    {
      what: "subprocess executor alone, fresh process per call (no fork server)",
      run: () => fresh.execute({ code: "pass", onOutput: () => {} }),
    },
    { what: "bare `python3 -c pass` (through PATH, e.g. a pyenv shim)", run: bare("python3") },
  ].map((p) => ({ ...p, ms: [] }));
  try {
    for (const p of paths) await p.run(); // warm-up
    // Interleaved, so that load changes on the machine hit every path alike.
    for (let i = 0; i < runs; i++) {
      for (const p of paths) p.ms.push(...await timeRuns(1, p.run, 0));
    }
    const base = percentile(paths[0].ms, 50);
    return paths.map((p) => ({
      what: p.what,
      "p50 ms": percentile(p.ms, 50),
      "p99 ms": percentile(p.ms, 99),
      ratio: percentile(p.ms, 50) / base,
    }));
  } finally {
    await client.close();
    await server.stop();
    await forked.close();
    await fresh.close();
    ws.cleanup();
  }
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  // deno-lint-ignore no-console
  console.log(markdownTable(await benchSubprocess()));
}
