/**
 * Bench: the `python` tool with the jupyter executor, measured at the MCP
 * level (a real client, a real server process, a real Jupyter Server):
 * `x=1` round trips over Streamable HTTP and SSE, and many sessions sharing
 * the pod kernel at once.
 *
 * @module
 */
import {
  type Client,
  connectSse,
  connectStreamable,
  openRawSession,
  postMcp,
} from "../tests/support/clients.ts";
import { jupyterFlags, type JupyterServer } from "../tests/support/jupyter.ts";
import { startServer } from "../tests/support/server.ts";
import { percentile, type Row, timeRuns } from "./stats.ts";

/** Options of {@link benchJupyterMcp}. */
export interface JupyterMcpOptions {
  jupyter: JupyterServer;
  /** Round trips per transport. @default 200 */
  runs?: number;
  /** Concurrent sessions for the throughput run. @default 20 */
  sessions?: number;
  /** Calls per session. @default 50 */
  callsPerSession?: number;
}

/** What {@link benchJupyterMcp} measured. */
export interface JupyterMcpResult {
  /** p50/p99 per transport, milliseconds. */
  latency: Row[];
  throughput: Row;
  /** p50 over Streamable HTTP with the MCP SDK's client. */
  streamableP50: number;
  /**
   * p50 over Streamable HTTP with a plain `fetch` client (no SDK client in
   * the loop): what the serving layer itself costs, for ratios against the
   * raw kernel.
   */
  plainP50: number;
}

/** Runs the MCP-level Jupyter bench against a started Jupyter Server. */
export async function benchJupyterMcp(options: JupyterMcpOptions): Promise<JupyterMcpResult> {
  const { jupyter } = options;
  const runs = options.runs ?? 200;
  const server = await startServer(
    [...jupyterFlags(jupyter)],
    { workspace: jupyter.rootDir },
  );
  const callArgs = { name: "python", arguments: { code: "x=1" } };
  const call = (client: Client) => client.callTool(callArgs);
  try {
    const latency: Row[] = [];
    let streamableP50 = NaN;
    const mcpUrl = `${server.url}/mcp`;
    const session = await openRawSession(mcpUrl);
    let id = 10;
    const plainCall = async () => {
      const body = { jsonrpc: "2.0", id: ++id, method: "tools/call", params: callArgs };
      const text = await (await postMcp(mcpUrl, body, session)).text();
      if (!text.includes(`"id":${id}`)) throw new Error(`no answer to call ${id}: ${text}`);
    };
    const plain = await timeRuns(runs, plainCall, 10);
    const plainP50 = percentile(plain, 50);
    latency.push({
      what: "sidekernel `python` x=1 over Streamable HTTP, plain `fetch` client",
      "p50 ms": plainP50,
      "p99 ms": percentile(plain, 99),
    });
    for (
      const [label, connect] of [
        ["Streamable HTTP", () => connectStreamable(`${server.url}/mcp`)],
        ["SSE", () => connectSse(`${server.url}/sse`)],
      ] as const
    ) {
      const client = await connect();
      const sample = await timeRuns(runs, () => call(client), 10);
      await client.close();
      const p50 = percentile(sample, 50);
      if (label === "Streamable HTTP") streamableP50 = p50;
      latency.push({
        what: `sidekernel \`python\` x=1 over ${label}, MCP SDK client`,
        "p50 ms": p50,
        "p99 ms": percentile(sample, 99),
      });
    }

    const sessions = options.sessions ?? 20;
    const perSession = options.callsPerSession ?? 50;
    const clients = await Promise.all(
      Array.from({ length: sessions }, () => connectStreamable(`${server.url}/mcp`)),
    );
    const times: number[] = [];
    let errors = 0;
    const started = performance.now();
    await Promise.all(clients.map(async (client, s) => {
      for (let i = 0; i < perSession; i++) {
        const t = performance.now();
        try {
          const result = await client.callTool({
            name: "python",
            arguments: { code: `print(${s * 1000 + i})` },
          });
          const text = (result.content as { text?: string }[])[0]?.text;
          if (text !== `${s * 1000 + i}\n`) errors++;
        } catch {
          errors++;
        }
        times.push(performance.now() - t);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.close()));
    return {
      latency,
      streamableP50,
      plainP50,
      throughput: {
        what: `${sessions} sessions × ${perSession} calls, pod kernel`,
        calls: times.length,
        "wrong or lost": errors,
        "calls/s": times.length / seconds,
        "p50 ms": percentile(times, 50),
        "p99 ms": percentile(times, 99),
      },
    };
  } finally {
    await server.stop();
  }
}
