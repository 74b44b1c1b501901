/**
 * Starts sidekernel as a real process with the `server` permission set of
 * deno.json, exactly as `deno task start` does.
 *
 * @module
 */
import { join } from "node:path";

/** Repository root (where deno.json is). */
export const ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** `deno run` arguments of the whole CLI, like `deno task sidekernel`. */
export const SIDEKERNEL_ARGS: readonly string[] = [
  "run",
  "-q",
  "-P=server",
  "--ignore-env",
  "--unstable-worker-options",
  // Like `deno task start` and the compiled binary: a 1 MiB young generation, and optimised
  // code compiled on the thread that runs it (docs/PERFORMANCE.md, "Footprint").
  "--v8-flags=--max-semi-space-size=1,--no-concurrent-recompilation",
  join(ROOT, "main.ts"),
];

/** `deno run` arguments that start the server like `deno task start`. */
export const SERVE_ARGS: readonly string[] = [...SIDEKERNEL_ARGS, "serve"];

/** A running sidekernel process. */
export interface ServerProcess {
  /** e.g. `http://127.0.0.1:43123` */
  url: string;
  port: number;
  pid: number;
  workspace: string;
  /** Every stderr line so far that sidekernel wrote (JSON log lines). */
  logs: string[];
  /** Lines the Deno CLI itself printed (e.g. its notice about permission sets in deno.json). */
  notices: string[];
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(): Promise<number>;
}

/**
 * Creates a fresh workspace under `./workspace/` (the only place the
 * `server` permission set may write) and removes it at `cleanup`.
 */
export function makeWorkspace(): { path: string; cleanup: () => void } {
  const path = join(ROOT, "workspace", `.test-${crypto.randomUUID().slice(0, 8)}`);
  Deno.mkdirSync(path, { recursive: true });
  return { path, cleanup: () => Deno.removeSync(path, { recursive: true }) };
}

/**
 * Starts `sidekernel serve --port 0 …` and waits for its "serving" log line.
 *
 * @param args extra flags, e.g. `["--timeout", "3"]`
 */
export async function startServer(
  args: string[],
  options: {
    workspace: string;
    env?: Record<string, string>;
    /** `deno` arguments up to and including `serve`. @default SERVE_ARGS */
    command?: readonly string[];
  },
): Promise<ServerProcess> {
  const command = options.command ?? SERVE_ARGS;
  const child = new Deno.Command(Deno.execPath(), {
    args: [...command, "--port", "0", "--workspace-path", options.workspace, ...args],
    cwd: ROOT,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  const notices: string[] = [];
  const keep = (line: string) => (DENO_NOTICE.test(line) ? notices : logs).push(line);
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
  const reader = lines.getReader();
  let url = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!url) {
    const { value, done } = await reader.read();
    if (done) {
      clearTimeout(deadline);
      await child.status;
      throw new Error(`sidekernel exited before serving:\n${logs.join("\n")}`);
    }
    keep(value);
    if (value.includes('"serving MCP over HTTP"')) url = JSON.parse(value).url;
  }
  clearTimeout(deadline);
  const pumping = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      keep(value);
    }
  })();
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    workspace: options.workspace,
    logs,
    notices,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const status = await child.status;
      await pumping;
      return status.code;
    },
  };
}

// deno-lint-ignore no-control-regex
const DENO_NOTICE = /^(\x1b\[[0-9;]*m)*(Warning|Download|Check)\b/;

/** Splits a text stream into its non-empty lines. */
export function lineSplitter(): TransformStream<string, string> {
  let buffer = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) if (line) controller.enqueue(line);
    },
    flush(controller) {
      if (buffer) controller.enqueue(buffer);
    },
  });
}

/** Resident set size of a process in MiB (via `ps`). */
export async function rssMiB(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
}

/**
 * SIGTERM, then asserts that the process exited with `code` within `withinMs`
 * (what every attack test checks last: the server still shuts down in time).
 *
 * @returns how long the exit took, in ms
 */
export async function stopWithin(
  server: ServerProcess,
  withinMs: number,
  code = 0,
): Promise<number> {
  const started = Date.now();
  const exit = await server.stop();
  const took = Date.now() - started;
  if (exit !== code) throw new Error(`exit code ${exit} after SIGTERM, wanted ${code}`);
  if (took >= withinMs) throw new Error(`SIGTERM took ${took} ms, more than ${withinMs} ms`);
  return took;
}
