/**
 * Bench: start-up time to a ready `/readyz` and resident memory, idle and
 * after 100 MCP sessions, with the Jupyter executor (a real Jupyter Server)
 * and with the default local executor, next to the Go peer
 * `kubernetes-mcp-server` started in the same run.
 *
 * @module
 */
import { connectStreamable, INITIALIZE } from "../tests/support/clients.ts";
import { FakeKube } from "../tests/support/fake_kube.ts";
import { generateNamespace } from "../tests/support/fake_kube_scenarios.ts";
import { buildBundle } from "../tests/support/bundle.ts";
import { jupyterFlags, type JupyterServer } from "../tests/support/jupyter.ts";
import { makeWorkspace, rssMiB, startServer } from "../tests/support/server.ts";
import { peerArgs } from "./pods.ts";
import { percentile, type Row } from "./stats.ts";

/** Options of {@link benchFootprint}. */
export interface FootprintOptions {
  /** Starts per configuration. @default 5 */
  runs?: number;
  /** A running Jupyter Server: also measure sidekernel with the Jupyter executor. */
  jupyter?: JupyterServer;
  /** Also measure the Go peer. @default true */
  peer?: boolean;
  /** The Go peer's npm version. @default "0.0.67" */
  peerVersion?: string;
}

/** What {@link benchFootprint} measured. */
export interface FootprintResult {
  rows: Row[];
  /** Jupyter executor: start → /readyz p50 (ms) and RSS idle (MiB); NaN when not measured. */
  jupyterReadyMs: number;
  jupyterIdleMiB: number;
  /** The same, running the bundle `deno task compile` compiles (scripts/bundle.sh). */
  bundleReadyMs: number;
  bundleIdleMiB: number;
  /** Why the Go peer was not measured, if it was not. */
  notes: string[];
}

const IDLE_SETTLE_MS = 1000;

async function waitReady(url: string): Promise<void> {
  while (true) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    await r?.body?.cancel();
    if (r?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The bundle `deno task compile` compiles, and the `deno run` arguments that serve it. */
async function bundledServe(): Promise<{ command: string[]; cleanup: () => Promise<void> }> {
  const bundle = await buildBundle();
  return { command: [...bundle.command, "serve"], cleanup: bundle.cleanup };
}

/** sidekernel with `args`: start-up p50, RSS idle and with 100 open MCP sessions. */
async function measureSidekernel(
  label: string,
  args: string[],
  workspace: string,
  runs: number,
  command?: string[],
): Promise<{ row: Row; readyMs: number; idleMiB: number }> {
  const startups: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const server = await startServer(args, { workspace, command });
    await waitReady(server.url);
    startups.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    idle.push(await rssMiB(server.pid));
    await server.stop();
  }
  const server = await startServer(args, { workspace, command });
  await waitReady(server.url);
  const clients = [];
  for (let i = 0; i < 100; i++) clients.push(await connectStreamable(`${server.url}/mcp`));
  const busy = await rssMiB(server.pid);
  await Promise.all(clients.map((c) => c.close()));
  await server.stop();
  const readyMs = percentile(startups, 50);
  const idleMiB = percentile(idle, 50);
  return {
    readyMs,
    idleMiB,
    row: {
      server: label,
      "start → ready p50 ms": readyMs,
      "RSS idle MiB": idleMiB,
      "RSS 100 sessions MiB": busy,
    },
  };
}

/** The Go binary npx runs (npx itself is a Node process that would add its own start-up). */
async function peerBinary(version: string): Promise<string> {
  const pkg = `kubernetes-mcp-server@${version}`;
  await new Deno.Command("npx", { args: ["-y", pkg, "--version"], stdout: "null", stderr: "null" })
    .output();
  const home = Deno.env.get("HOME") ?? "/root";
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "amd64";
  const name = `kubernetes-mcp-server-${Deno.build.os}-${arch}`;
  for await (const dir of Deno.readDir(`${home}/.npm/_npx`)) {
    const path = `${home}/.npm/_npx/${dir.name}/node_modules/${name}/bin/${name}`;
    const meta = `${home}/.npm/_npx/${dir.name}/node_modules/kubernetes-mcp-server/package.json`;
    try {
      if (JSON.parse(Deno.readTextFileSync(meta)).version !== version) continue;
      Deno.statSync(path);
      return path;
    } catch {
      // not this one
    }
  }
  throw new Error(`the ${name} binary of ${pkg} was not found under ${home}/.npm/_npx`);
}

/** The Go peer on the fake API server: start → first MCP answer, RSS idle and with 100 sessions. */
async function measurePeer(version: string, runs: number): Promise<Row> {
  const binary = await peerBinary(version);
  const kube = await FakeKube.start({ default: generateNamespace("default", 10) });
  kube.addUser("bench-token", "system:serviceaccount:default:agent", ["default"]);
  const dir = await Deno.makeTempDir({ prefix: "bench-footprint-" });
  try {
    const kubeconfig = await kube.writeKubeconfig(dir, "bench-token", { namespace: "default" });
    const start = async () => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      const started = performance.now();
      const child = new Deno.Command(binary, {
        args: peerArgs(kubeconfig, port),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const url = `http://127.0.0.1:${port}/mcp`;
      while (true) {
        const r = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify(INITIALIZE),
        }).catch(() => undefined);
        await r?.body?.cancel();
        if (r?.ok) break;
        if (performance.now() - started > 60_000) throw new Error(`the Go peer did not answer`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return { child, url, ms: performance.now() - started };
    };
    const stop = async (child: Deno.ChildProcess) => {
      child.kill("SIGTERM");
      await child.status;
    };
    const startups: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < runs; i++) {
      const peer = await start();
      startups.push(peer.ms);
      await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
      idle.push(await rssMiB(peer.child.pid));
      await stop(peer.child);
    }
    const peer = await start();
    const clients = [];
    for (let i = 0; i < 100; i++) clients.push(await connectStreamable(peer.url));
    const busy = await rssMiB(peer.child.pid);
    await Promise.all(clients.map((c) => c.close()));
    await stop(peer.child);
    return {
      server: `kubernetes-mcp-server ${version} (Go; pod tools only, no executor)`,
      "start → ready p50 ms": percentile(startups, 50),
      "RSS idle MiB": percentile(idle, 50),
      "RSS 100 sessions MiB": busy,
    };
  } finally {
    await kube.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Measures start-up (`runs` times per configuration) and memory. "Ready" is
 * `/readyz` answering 200 for sidekernel (with the Jupyter executor that
 * includes reaching the Jupyter Server) and the first MCP `initialize`
 * answered for the Go peer, which has no executor to check.
 */
export async function benchFootprint(options: FootprintOptions = {}): Promise<FootprintResult> {
  const runs = options.runs ?? 5;
  const rows: Row[] = [];
  const notes: string[] = [];
  let jupyterReadyMs = NaN;
  let jupyterIdleMiB = NaN;
  let bundleReadyMs = NaN;
  let bundleIdleMiB = NaN;
  if (options.jupyter) {
    const j = await measureSidekernel(
      "sidekernel, Jupyter executor (sources, `deno task start`)",
      jupyterFlags(options.jupyter),
      options.jupyter.rootDir,
      runs,
    );
    rows.push(j.row);
    jupyterReadyMs = j.readyMs;
    jupyterIdleMiB = j.idleMiB;
    const bundled = await bundledServe();
    try {
      const b = await measureSidekernel(
        "sidekernel, Jupyter executor (the bundle `deno task compile` compiles)",
        jupyterFlags(options.jupyter),
        options.jupyter.rootDir,
        runs,
        bundled.command,
      );
      rows.push(b.row);
      bundleReadyMs = b.readyMs;
      bundleIdleMiB = b.idleMiB;
    } finally {
      await bundled.cleanup();
    }
  }
  const ws = makeWorkspace();
  try {
    rows.push((await measureSidekernel("sidekernel, local executor", [], ws.path, runs)).row);
  } finally {
    ws.cleanup();
  }
  if (options.peer ?? true) {
    try {
      rows.push(await measurePeer(options.peerVersion ?? "0.0.67", runs));
    } catch (e) {
      notes.push(`kubernetes-mcp-server not measured: ${e instanceof Error ? e.message : e}`);
    }
  }
  return { rows, jupyterReadyMs, jupyterIdleMiB, bundleReadyMs, bundleIdleMiB, notes };
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  const { startJupyterServer } = await import("../tests/support/jupyter.ts");
  const jupyter = await startJupyterServer();
  try {
    const result = await benchFootprint({ jupyter, runs: 3 });
    // deno-lint-ignore no-console
    console.log(markdownTable(result.rows), result.notes.join("\n"));
  } finally {
    await jupyter.stop();
  }
  Deno.exit(0);
}
