/**
 * Bench: a trivial `python` call over Streamable HTTP with the subprocess
 * executor, next to a bare `python3 -c pass` started by the same machine.
 *
 * @module
 */
import { connectStreamable } from "../tests/support/clients.ts";
import { makeWorkspace, startServer } from "../tests/support/server.ts";
import { percentile, type Row, timeRuns } from "./stats.ts";

/** Measures both and returns table rows (milliseconds). */
export async function benchSubprocess(runs = 30): Promise<Row[]> {
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  const bareRun = async () => {
    const out = await new Deno.Command("python3", { args: ["-c", "pass"], stdout: "null" })
      .output();
    if (!out.success) throw new Error("python3 -c pass failed");
  };
  const mcpRun = () => client.callTool({ name: "python", arguments: { code: "pass" } });
  const real = new TextDecoder().decode(
    (await new Deno.Command("python3", { args: ["-c", "import sys; print(sys.executable)"] })
      .output()).stdout,
  ).trim();
  const realRun = async () => {
    const out = await new Deno.Command(real, { args: ["-c", "pass"], stdout: "null" }).output();
    if (!out.success) throw new Error(`${real} -c pass failed`);
  };
  try {
    // Interleaved, so that load changes on the machine hit both sides alike.
    for (let i = 0; i < 3; i++) {
      await bareRun();
      await mcpRun();
    }
    const bare: number[] = [];
    const mcp: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(...await timeRuns(1, bareRun, 0));
      mcp.push(...await timeRuns(1, mcpRun, 0));
      direct.push(...await timeRuns(1, realRun, 0));
    }
    const bareP50 = percentile(bare, 50);
    const mcpP50 = percentile(mcp, 50);
    return [
      {
        what: "bare `python3 -c pass`",
        "p50 ms": bareP50,
        "p99 ms": percentile(bare, 99),
        ratio: 1,
      },
      {
        what: "`python` call `pass`, Streamable HTTP, subprocess executor",
        "p50 ms": mcpP50,
        "p99 ms": percentile(mcp, 99),
        ratio: mcpP50 / bareP50,
      },
      {
        what: `bare \`${real} -c pass\` (the interpreter behind \`python3\`)`,
        "p50 ms": percentile(direct, 50),
        "p99 ms": percentile(direct, 99),
        ratio: percentile(direct, 50) / bareP50,
      },
    ];
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  // deno-lint-ignore no-console
  console.log(markdownTable(await benchSubprocess()));
}
