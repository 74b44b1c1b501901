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
import { kernelClient, ZmqKernel } from "./jupyter.ts";
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
  /** Rounds of the alternated run (each path {@link ALTERNATED_BLOCK} calls per round). @default 10 */
  rounds?: number;
}

/** Calls of one path in a row in the alternated run. */
export const ALTERNATED_BLOCK = 20;

/**
 * `x=1` on three paths in alternating blocks of one run, so that each sees
 * the same machine: the kernel over ZMQ (no server), sidekernel's kernel
 * client in the bench's process (through the Jupyter Server, no serving),
 * and the `python` tool over Streamable HTTP with a plain `fetch` client.
 * Milliseconds per call.
 */
export interface Alternated {
  zmq: number[];
  kernelClient: number[];
  plain: number[];
  /**
   * Mean of the server's own `execute()` over the plain calls (its
   * `sidekernel_execution_duration_seconds` histogram): the plain call's
   * time minus this is the serving layer's (HTTP, MCP, rendering, logging,
   * and the client's side of the request).
   */
  serverExecuteMeanMs: number;
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
  alternated: Alternated;
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
    const alternated = await alternate(
      server.url,
      options.jupyter,
      plainCall,
      options.rounds ?? 10,
    );
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
      alternated,
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

async function alternate(
  serverUrl: string,
  jupyter: JupyterServer,
  plainCall: () => Promise<void>,
  rounds: number,
): Promise<Alternated> {
  const zmq = await ZmqKernel.start();
  const client = kernelClient(jupyter);
  const kernelCall = client.call;
  try {
    const out: Alternated = { zmq: [], kernelClient: [], plain: [], serverExecuteMeanMs: NaN };
    await zmq.time(ALTERNATED_BLOCK);
    await timeRuns(ALTERNATED_BLOCK, kernelCall, 0);
    await timeRuns(ALTERNATED_BLOCK, plainCall, 0);
    let executed = { sum: 0, count: 0 };
    for (let round = 0; round < rounds; round++) {
      out.zmq.push(...await zmq.time(ALTERNATED_BLOCK));
      out.kernelClient.push(...await timeRuns(ALTERNATED_BLOCK, kernelCall, 0));
      const before = await executions(serverUrl);
      out.plain.push(...await timeRuns(ALTERNATED_BLOCK, plainCall, 0));
      const after = await executions(serverUrl);
      executed = {
        sum: executed.sum + after.sum - before.sum,
        count: executed.count + after.count - before.count,
      };
    }
    out.serverExecuteMeanMs = (executed.sum / executed.count) * 1000;
    return out;
  } finally {
    await client.close();
    await zmq.close();
  }
}

/** The server's jupyter execution histogram: total seconds and count. */
async function executions(serverUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{executor="jupyter"} `));
    if (!line) throw new Error(`/metrics has no ${name} for the jupyter executor`);
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  return {
    sum: value("sidekernel_execution_duration_seconds_sum"),
    count: value("sidekernel_execution_duration_seconds_count"),
  };
}
