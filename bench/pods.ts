/**
 * Pod-tool benchmark: a fake API with N pods (events, logs), then latency
 * p50 and output size of sidekernel's pod tools next to the Go
 * `kubernetes-mcp-server` reading the same pods, both as processes over
 * Streamable HTTP.
 *
 * Run: `deno run -A bench/pods.ts [pods] [runs]`
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { FakeKube } from "../tests/support/fake_kube.ts";
import { generateNamespace } from "../tests/support/fake_kube_scenarios.ts";
import { join } from "node:path";
import type { CallToolResult } from "../tests/support/mcp_client.ts";
import { connectStreamable } from "../tests/support/clients.ts";
import { makeWorkspace, startServer } from "../tests/support/server.ts";

/** One measured tool call. */
export interface PodsBenchRow {
  server: "sidekernel" | "kubernetes-mcp-server";
  tool: string;
  args: string;
  runs: number;
  p50Ms: number;
  p90Ms: number;
  /** Characters of the text content (what the model reads). */
  textChars: number;
  /** Characters of the whole JSON result (text + structuredContent). */
  resultChars: number;
}

/** Options of {@link benchPods}. */
export interface PodsBenchOptions {
  /** @default {1000} */
  pods?: number;
  /** Timed calls per case (after 2 warm-up calls). @default {30} */
  runs?: number;
  /** Also measure the Go peer via `npx`. @default {true} */
  peer?: boolean;
  /** @default {"0.0.67"} */
  peerVersion?: string;
  /** Called before each case (e.g. to print progress on stderr). */
  progress?: (message: string) => void;
}

/** Result of {@link benchPods}. */
export interface PodsBenchResult {
  rows: PodsBenchRow[];
  notes: string[];
}

type Call = (name: string, args: Record<string, unknown>) => Promise<CallToolResult>;

const NS = "bench";
const LOG_POD = "pod-00012"; // single-container, Running

function quantile(sorted: number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] * 10) / 10;
}

async function measure(
  progress: (message: string) => void,
  server: PodsBenchRow["server"],
  call: Call,
  tool: string,
  args: Record<string, unknown>,
  runs: number,
): Promise<PodsBenchRow> {
  progress(`${server} ${tool} ${JSON.stringify(args)}`);
  let result = await call(tool, args);
  await call(tool, args);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await call(tool, args);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const first = result.content[0];
  if (result.isError) throw new Error(`${server} ${tool} failed: ${JSON.stringify(first)}`);
  return {
    server,
    tool,
    args: JSON.stringify(args),
    runs,
    p50Ms: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    textChars: first?.type === "text" ? first.text.length : 0,
    resultChars: JSON.stringify(result).length,
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** SIGTERMs a process and all its descendants (children first listed, then the parent). */
async function killTree(pid: number): Promise<void> {
  const out = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
    .output();
  const children = new TextDecoder().decode(out.stdout).split("\n").map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  for (const child of children) await killTree(child);
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/** The Go peer's flags: read-only, one cluster, this kubeconfig, HTTP on `port`. */
export function peerArgs(kubeconfig: string, port: number): string[] {
  return [
    "--read-only",
    "--disable-multi-cluster",
    "--kubeconfig",
    kubeconfig,
    "--port",
    String(port),
  ];
}

async function startPeer(kubeconfig: string, version: string) {
  const port = freePort();
  const child = new Deno.Command("npx", {
    args: ["-y", `kubernetes-mcp-server@${version}`, ...peerArgs(kubeconfig, port)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const client = new Client({ name: "sidekernel-bench", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(url));
      return { client, child };
    } catch (e) {
      if (Date.now() > deadline) {
        await killTree(child.pid);
        throw new Error(`kubernetes-mcp-server did not start on ${url}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Runs the benchmark and returns one row per (server, tool call). */
export async function benchPods(options: PodsBenchOptions = {}): Promise<PodsBenchResult> {
  const pods = options.pods ?? 1000;
  const runs = options.runs ?? 30;
  const notes: string[] = [];
  const progress = options.progress ?? (() => {});
  const kube = await FakeKube.start({ [NS]: generateNamespace(NS, pods) });
  kube.addUser("bench-token", `system:serviceaccount:${NS}:agent`, [NS]);
  const dir = await Deno.makeTempDir({ prefix: "bench-pods-" });
  const rows: PodsBenchRow[] = [];
  try {
    const kubeconfig = await kube.writeKubeconfig(dir, "bench-token", { namespace: NS });
    // sidekernel as users run it: the server process, Streamable HTTP, its permission set.
    const ws = makeWorkspace();
    const serverKubeconfig = join(ws.path, "kubeconfig");
    Deno.copyFileSync(kubeconfig, serverKubeconfig);
    const server = await startServer(["--kubeconfig", serverKubeconfig], { workspace: ws.path });
    const client = await connectStreamable(`${server.url}/mcp`);
    try {
      const call: Call = async (name, args) =>
        (await client.callTool({ name, arguments: args })) as CallToolResult;
      const cases: [string, Record<string, unknown>][] = [
        ["pods_list", { limit: pods }],
        ["pods_list", {}],
        ["events_list", {}],
        ["events_list", { max: 500 }],
        ["pods_log", { name: LOG_POD, tailLines: 100 }],
      ];
      for (const [tool, args] of cases) {
        rows.push(await measure(progress, "sidekernel", call, tool, args, runs));
      }
    } finally {
      await client.close();
      await server.stop();
      ws.cleanup();
    }
    if (options.peer ?? true) {
      try {
        const peer = await startPeer(kubeconfig, options.peerVersion ?? "0.0.67");
        const call: Call = async (name, args) =>
          (await peer.client.callTool({ name, arguments: args })) as CallToolResult;
        try {
          rows.push(
            await measure(progress, "kubernetes-mcp-server", call, "pods_list_in_namespace", {
              namespace: NS,
            }, runs),
          );
          rows.push(
            await measure(
              progress,
              "kubernetes-mcp-server",
              call,
              "events_list",
              { namespace: NS },
              runs,
            ),
          );
          rows.push(
            await measure(progress, "kubernetes-mcp-server", call, "pods_log", {
              namespace: NS,
              name: LOG_POD,
              tail: 100,
            }, runs),
          );
        } finally {
          await peer.client.close();
          // npx runs the Go binary as a child of its own: stop the whole tree.
          await killTree(peer.child.pid);
          await peer.child.status;
        }
      } catch (e) {
        notes.push(`kubernetes-mcp-server not measured: ${e instanceof Error ? e.message : e}`);
      }
    }
  } finally {
    await kube.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  notes.push(
    `${pods} pods; both servers run as processes and are called over Streamable HTTP on ` +
      `loopback, against the same fake API over HTTPS.`,
  );
  return { rows, notes };
}

/** Renders rows as a Markdown table. */
export function formatPodsBench(result: PodsBenchResult): string {
  const head = "| server | tool | args | p50 ms | p90 ms | text chars | result chars |";
  const lines = result.rows.map((r) =>
    `| ${r.server} | ${r.tool} | ${r.args} | ${r.p50Ms} | ${r.p90Ms} | ${r.textChars} | ${r.resultChars} |`
  );
  return [head, "|---|---|---|---:|---:|---:|---:|", ...lines, "", ...result.notes].join("\n");
}

if (import.meta.main) {
  const [pods, runs] = Deno.args.map(Number);
  const stderr = new TextEncoder();
  const result = await benchPods({
    pods: pods || undefined,
    runs: runs || undefined,
    progress: (m) => Deno.stderr.writeSync(stderr.encode(`bench: ${m}\n`)),
  });
  await Deno.stdout.write(new TextEncoder().encode(formatPodsBench(result) + "\n"));
}
