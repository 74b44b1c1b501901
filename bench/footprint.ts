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
import { join } from "node:path";
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
  /** The Jupyter executor from the sources; NaN when not measured. */
  jupyter: Footprint;
  /** The same, running the bundle `deno task compile` compiles, as the binary runs. */
  bundle: Footprint;
  /** RSS (MiB) of the bundle's first start on an empty cache, when `deno run` analyzes its module graph. */
  bundleFirstStartMiB: number;
  /** Why the Go peer was not measured, if it was not. */
  notes: string[];
}

/** Start-up and idle memory of one configuration (p50s). */
export interface Footprint {
  readyMs: number;
  /** RSS 1 s after ready. */
  startedMiB: number;
  /** RSS once idle long enough for V8's memory reducer to have run ({@link SETTLED_MS}). */
  idleMiB: number;
}

const NOT_MEASURED: Footprint = { readyMs: NaN, startedMiB: NaN, idleMiB: NaN };

/** RSS is read this long after ready for "1 s after ready". */
const STARTED_MS = 1000;

/**
 * An idle server's RSS is read this long after ready. V8's memory reducer
 * first runs 30 s after an isolate starts (`--gc-memory-reducer-start-delay-ms`)
 * and compacts an idle heap (the serving worker's from ~10 to ~7 MiB), so
 * this is what an idle sidecar holds for the rest of its wait.
 */
const SETTLED_MS = 35_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady(url: string): Promise<void> {
  while (true) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    await r?.body?.cancel();
    if (r?.ok) return;
    await delay(5);
  }
}

/** One started process: how long it took to be ready, and its pid. */
interface Started {
  pid: number;
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `runs` processes one after another (each start timed alone; the
 * ones already started sit idle), reads each one's RSS 1 s after it was
 * ready, and all of them again once the last has been idle {@link SETTLED_MS}.
 */
async function measureStarts(
  runs: number,
  start: () => Promise<Started>,
): Promise<Footprint> {
  const started: Started[] = [];
  const startedMiB: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const process = await start();
      started.push(process);
      await delay(STARTED_MS);
      startedMiB.push(await rssMiB(process.pid));
    }
    await delay(SETTLED_MS - STARTED_MS);
    const idle = await Promise.all(started.map((p) => rssMiB(p.pid)));
    return {
      readyMs: percentile(started.map((p) => p.readyMs), 50),
      startedMiB: percentile(startedMiB, 50),
      idleMiB: percentile(idle, 50),
    };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
}

function footprintRow(server: string, f: Footprint, busyMiB: number): Row {
  return {
    server,
    "start → ready p50 ms": f.readyMs,
    "RSS 1 s after ready MiB": f.startedMiB,
    "RSS idle MiB": f.idleMiB,
    "RSS 100 sessions MiB": busyMiB,
  };
}

/** sidekernel with `args`: start-up, RSS 1 s after ready and idle, and with 100 open MCP sessions. */
async function measureSidekernel(
  label: string,
  args: string[],
  workspace: string,
  runs: number,
  command?: string[],
  env?: Record<string, string>,
): Promise<{ row: Row; footprint: Footprint }> {
  const start = async (): Promise<Started> => {
    const started = performance.now();
    const server = await startServer(args, { workspace, command, env });
    await waitReady(server.url);
    return {
      pid: server.pid,
      readyMs: performance.now() - started,
      stop: async () => {
        await server.stop();
      },
    };
  };
  const footprint = await measureStarts(runs, start);
  const server = await startServer(args, { workspace, command, env });
  await waitReady(server.url);
  const clients = [];
  for (let i = 0; i < 100; i++) clients.push(await connectStreamable(`${server.url}/mcp`));
  const busy = await rssMiB(server.pid);
  await Promise.all(clients.map((c) => c.close()));
  await server.stop();
  return { footprint, row: footprintRow(label, footprint, busy) };
}

/**
 * The bundle `deno task compile` compiles, run as the binary runs: its
 * permission set only, no lockfile (tests/support/bundle.ts), and a cache
 * directory of its own, as a new pod has (the compiled binary keeps its V8
 * code cache in a file of its own, never in the cache `deno` shares across
 * projects). The first start on that empty cache is measured apart: `deno
 * run` parses the whole module graph once (the compiled binary does not)
 * and keeps that memory.
 */
async function measureBundle(
  label: string,
  args: string[],
  workspace: string,
  runs: number,
): Promise<{ row: Row; footprint: Footprint; firstStartMiB: number }> {
  const bundle = await buildBundle();
  try {
    const command = [...bundle.command, "serve"];
    const env = { DENO_DIR: join(bundle.dir, ".deno-cache") };
    const first = await startServer(args, { workspace, command, env });
    await waitReady(first.url);
    await delay(STARTED_MS);
    const firstStartMiB = await rssMiB(first.pid);
    await first.stop();
    return {
      ...await measureSidekernel(label, args, workspace, runs, command, env),
      firstStartMiB,
    };
  } finally {
    await bundle.cleanup();
  }
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
    const footprint = await measureStarts(runs, async () => {
      const peer = await start();
      return { pid: peer.child.pid, readyMs: peer.ms, stop: () => stop(peer.child) };
    });
    const peer = await start();
    const clients = [];
    for (let i = 0; i < 100; i++) clients.push(await connectStreamable(peer.url));
    const busy = await rssMiB(peer.child.pid);
    await Promise.all(clients.map((c) => c.close()));
    await stop(peer.child);
    return footprintRow(
      `kubernetes-mcp-server ${version} (Go; pod tools only, no executor)`,
      footprint,
      busy,
    );
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
  let jupyter = NOT_MEASURED;
  let bundle = NOT_MEASURED;
  let bundleFirstStartMiB = NaN;
  if (options.jupyter) {
    const flags = jupyterFlags(options.jupyter);
    const workspace = options.jupyter.rootDir;
    const j = await measureSidekernel(
      "sidekernel, Jupyter executor (sources, `deno task start`)",
      flags,
      workspace,
      runs,
    );
    rows.push(j.row);
    jupyter = j.footprint;
    const b = await measureBundle(
      "sidekernel, Jupyter executor (the bundle `deno task compile` compiles, run as the binary runs)",
      flags,
      workspace,
      runs,
    );
    rows.push(b.row);
    bundle = b.footprint;
    bundleFirstStartMiB = b.firstStartMiB;
    notes.push(
      `The bundle's first start on its empty cache held ${bundleFirstStartMiB.toFixed(1)} MiB ` +
        "1 s after ready: `deno run` parses the whole module graph once and keeps that memory; " +
        `the compiled binary does not parse a graph. That start is not among the ${runs} above.`,
    );
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
  return { rows, jupyter, bundle, bundleFirstStartMiB, notes };
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
