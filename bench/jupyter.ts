/**
 * Round-trip latency of `x=1` on one kernel, by path:
 *
 * - the kernel over ZMQ directly (`jupyter_client`, no server) — the floor;
 * - Deno's built-in WebSocket through the Jupyter Server — a plain client,
 *   which pays the server's 40 ms delayed-ACK stall;
 * - sidekernel's kernel client (the `jupyter` executor), which avoids it by
 *   sending a pong after each frame.
 *
 * Standalone: `deno run -A bench/jupyter.ts [runs]` starts a Jupyter Server and prints a table.
 *
 * @module
 */

import { createJupyterExecutor } from "../src/exec/jupyter.ts";
import { executeRequest } from "../src/kernel/messages.ts";
import { JupyterRestClient } from "../src/kernel/rest.ts";
import { deserializeV1, serializeV1, V1_SUBPROTOCOL } from "../src/kernel/wire.ts";
import { silentLogger } from "../src/obs/log.ts";
import { lineSplitter } from "../tests/support/server.ts";
import { percentile, timeRuns } from "./stats.ts";

/** Latency summary in milliseconds. */
export interface Latency {
  runs: number;
  p50: number;
  p99: number;
}

/** Where the Jupyter Server is. */
export interface JupyterTarget {
  url: string;
  token?: string;
}

const PYTHON = "/usr/bin/python3";
const WARMUP = 5;

function summarize(sample: number[]): Latency {
  return { runs: sample.length, p50: percentile(sample, 50), p99: percentile(sample, 99) };
}

// Starts one kernel, then times `n` executions of `x=1` for each count read on stdin and
// prints their times (ms) as one JSON line, until stdin closes.
const ZMQ_SCRIPT = `
import json, sys, time
from jupyter_client import KernelManager
km = KernelManager(kernel_name="python3")
km.start_kernel()
kc = km.client()
kc.start_channels()
try:
    kc.wait_for_ready(timeout=60)
    print("ready", flush=True)
    for line in sys.stdin:
        times = []
        for i in range(int(line)):
            t = time.perf_counter()
            # execute_interactive returns after the reply AND iopub idle.
            kc.execute_interactive("x=1", timeout=30, output_hook=lambda msg: None)
            times.append((time.perf_counter() - t) * 1000)
        print(json.dumps(times), flush=True)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;

/**
 * A standalone kernel driven over ZMQ by `jupyter_client` (no server), kept
 * running so that its runs can alternate with other paths' in one run.
 */
export class ZmqKernel {
  readonly #child: Deno.ChildProcess;
  readonly #lines: ReadableStreamDefaultReader<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  /** The driver's stderr, read all along so that a chatty one never blocks on a full pipe. */
  readonly #stderr: Promise<string>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stderr = new Response(child.stderr).text().catch(() => "");
    this.#stdin = child.stdin.getWriter();
    this.#lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter())
      .getReader();
  }

  /**
   * Starts the kernel and waits until it answers.
   *
   * @throws {Error} When `/usr/bin/python3` lacks `jupyter_client`/`ipykernel` (stderr in the message).
   */
  static async start(): Promise<ZmqKernel> {
    const child = new Deno.Command(PYTHON, {
      args: ["-c", ZMQ_SCRIPT],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const kernel = new ZmqKernel(child);
    const first = await kernel.#lines.read();
    if (first.value === "ready") return kernel;
    // The driver prints nothing else first: it failed, and its stderr says why.
    await kernel.close().catch(() => {});
    const err = await kernel.#stderr;
    throw new Error(`ZMQ kernel did not start: ${err.slice(-2000)}`);
  }

  /** Times `runs` executions of `x=1`; milliseconds. */
  async time(runs: number): Promise<number[]> {
    await this.#stdin.write(new TextEncoder().encode(`${runs}\n`));
    const line = await this.#lines.read();
    if (line.done) throw new Error("the ZMQ kernel's driver exited");
    return JSON.parse(line.value) as number[];
  }

  /** Shuts the kernel down and waits for its driver to exit. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await this.#child.status;
  }
}

/**
 * Times `x=1` on a standalone kernel over ZMQ (`jupyter_client.KernelManager`), no server.
 *
 * @param runs Measured runs (after a warm-up).
 * @returns p50/p99 in ms.
 * @throws {Error} When `/usr/bin/python3` lacks `jupyter_client`/`ipykernel` (stderr in the message).
 */
export async function benchZmq(runs: number): Promise<Latency> {
  const kernel = await ZmqKernel.start();
  try {
    await kernel.time(WARMUP);
    return summarize(await kernel.time(runs));
  } finally {
    await kernel.close();
  }
}

/**
 * Times `x=1` through the Jupyter Server with Deno's built-in WebSocket (no pong trick).
 *
 * @param target Server URL and token.
 * @param runs Measured runs.
 * @returns p50/p99 in ms.
 * @throws {Error} When the kernel cannot be started or the socket fails.
 */
export async function benchPlainWebSocket(target: JupyterTarget, runs: number): Promise<Latency> {
  const rest = new JupyterRestClient(target);
  const kernel = await rest.createKernel("python3", "");
  const session = crypto.randomUUID();
  // The token goes in the upgrade's Authorization header (Deno's WebSocket options), never the URL.
  const ws = new WebSocket(rest.channelsUrl(kernel.id, session), {
    protocols: [V1_SUBPROTOCOL],
    headers: rest.authHeaders(),
  });
  ws.binaryType = "arraybuffer";
  try {
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`WebSocket to kernel "${kernel.id}" failed`));
    });
    if (ws.protocol !== V1_SUBPROTOCOL) throw new Error("server did not pick the v1 subprotocol");
    let waiting: { id: string; reply: boolean; idle: boolean; done: () => void } | undefined;
    ws.onmessage = (event) => {
      const msg = deserializeV1(new Uint8Array(event.data as ArrayBuffer));
      const w = waiting;
      if (!w || msg.parent_header.msg_id !== w.id) return;
      if (msg.header.msg_type === "execute_reply") w.reply = true;
      if (
        msg.header.msg_type === "status" &&
        (msg.content as { execution_state?: string }).execution_state === "idle"
      ) w.idle = true;
      if (w.reply && w.idle) w.done();
    };
    const once = () =>
      new Promise<void>((resolve) => {
        const msg = executeRequest("x=1", session);
        waiting = { id: msg.header.msg_id, reply: false, idle: false, done: resolve };
        ws.send(serializeV1(msg));
      });
    return summarize(await timeRuns(runs, once, WARMUP));
  } finally {
    const closed = new Promise((resolve) => ws.onclose = resolve);
    ws.close();
    await closed;
    await rest.deleteKernel(kernel.id);
  }
}

/**
 * Times `x=1` through sidekernel's `jupyter` executor (kernel client + queue + events).
 *
 * @param target Server URL and token.
 * @param runs Measured runs.
 * @param pongAfterFrame False measures the client without the pong trick.
 * @returns p50/p99 in ms.
 * @throws {Error} When the kernel cannot be started.
 */
export async function benchKernelClient(
  target: JupyterTarget,
  runs: number,
  pongAfterFrame = true,
): Promise<Latency> {
  const client = kernelClient(target, pongAfterFrame);
  try {
    return summarize(await timeRuns(runs, client.call, WARMUP));
  } finally {
    await client.close();
  }
}

/**
 * sidekernel's `jupyter` executor on a kernel of `target`: `call` runs `x=1`
 * once (and throws unless it ended ok), `close` deletes the kernel.
 */
export function kernelClient(
  target: JupyterTarget,
  pongAfterFrame = true,
): { call: () => Promise<void>; close: () => Promise<void> } {
  const executor = createJupyterExecutor({
    ...target,
    timeoutSeconds: 60,
    logger: silentLogger,
    pongAfterFrame,
  });
  return {
    call: async () => {
      const result = await executor.execute({ code: "x=1", onOutput: () => {} });
      if (result.end.kind !== "ok") throw new Error(`x=1 ended ${result.end.kind}`);
    },
    close: () => executor.close(),
  };
}

/** One row per path, for the bench table. */
export type JupyterLatencyRow = {
  path: string;
  runs: number;
  p50_ms: number;
  p99_ms: number;
};

/**
 * Runs every path above and returns one row per path.
 *
 * @param target Server URL and token.
 * @param runs Measured runs per path.
 * @throws {Error} When a path fails.
 */
export async function benchJupyterPaths(
  target: JupyterTarget,
  runs: number,
): Promise<JupyterLatencyRow[]> {
  const row = (path: string, l: Latency) => ({ path, runs: l.runs, p50_ms: l.p50, p99_ms: l.p99 });
  return [
    row("kernel over ZMQ (jupyter_client, no server)", await benchZmq(runs)),
    row("Jupyter Server, Deno WebSocket (no pong)", await benchPlainWebSocket(target, runs)),
    row("sidekernel kernel client, pong disabled", await benchKernelClient(target, runs, false)),
    row("sidekernel kernel client (pong after each frame)", await benchKernelClient(target, runs)),
  ];
}

if (import.meta.main) {
  const { startJupyterServer } = await import("../tests/support/jupyter.ts");
  const { markdownTable } = await import("./stats.ts");
  const runs = Number(Deno.args[0] ?? 200);
  const server = await startJupyterServer();
  try {
    const rows = await benchJupyterPaths(server, runs);
    const text = `x=1 round trip, one kernel, ${runs} runs\n\n${markdownTable(rows)}\n`;
    await Deno.stdout.write(new TextEncoder().encode(text));
  } finally {
    await server.stop();
  }
}
