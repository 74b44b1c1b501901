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
  const bare = await timeRuns(runs, async () => {
    const out = await new Deno.Command("python3", { args: ["-c", "pass"], stdout: "null" })
      .output();
    if (!out.success) throw new Error("python3 -c pass failed");
  });
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const mcp = await timeRuns(
      runs,
      () => client.callTool({ name: "python", arguments: { code: "pass" } }),
    );
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
