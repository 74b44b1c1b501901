/**
 * Bench: start-up time to a ready `/readyz` and resident memory, idle and
 * after 100 MCP sessions.
 *
 * @module
 */
import { connectStreamable } from "../tests/support/clients.ts";
import { makeWorkspace, rssMiB, startServer } from "../tests/support/server.ts";
import { percentile, type Row } from "./stats.ts";

/** Measures start-up (`runs` times) and memory of the server process. */
export async function benchFootprint(runs = 5): Promise<Row[]> {
  const ws = makeWorkspace();
  try {
    const startups: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const server = await startServer([], { workspace: ws.path });
      while (true) {
        const r = await fetch(`${server.url}/readyz`).catch(() => undefined);
        await r?.body?.cancel();
        if (r?.ok) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      startups.push(performance.now() - started);
      await server.stop();
    }
    const server = await startServer([], { workspace: ws.path });
    const idle = await rssMiB(server.pid);
    const clients = [];
    for (let i = 0; i < 100; i++) clients.push(await connectStreamable(`${server.url}/mcp`));
    const busy = await rssMiB(server.pid);
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
    return [
      {
        what: "process start → /readyz 200 (subprocess executor)",
        value: percentile(startups, 50),
        unit: "ms (p50)",
      },
      { what: "RSS idle", value: idle, unit: "MiB" },
      { what: "RSS with 100 open MCP sessions", value: busy, unit: "MiB" },
    ];
  } finally {
    ws.cleanup();
  }
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  // deno-lint-ignore no-console
  console.log(markdownTable(await benchFootprint()));
}
