/**
 * Starts a real Jupyter server for tests and benchmarks: jupyter_server
 * (Debian `python3-jupyter-server`) or the classic Notebook 6.x (Debian
 * `jupyter-notebook`), optionally behind a base URL as a JupyterHub
 * single-user server is, with its whole log kept for inspection.
 *
 * The server's root dir is a fresh temp dir under `./workspace/` (the only
 * folder the server's permission set may touch), its port a free loopback
 * port, its token random. Kernel connection files go to a private runtime dir
 * inside the root, so {@link JupyterServer.kill} can find and kill the
 * kernels too, as a crashed container would.
 *
 * Also {@link runCell}: runs one cell on an executor and collects what it produced.
 *
 * @module
 */

import type {
  ExecuteRequest,
  ExecutionProgress,
  ExecutionResult,
  Executor,
  OutputEvent,
} from "../../src/exec/executor.ts";

const PYTHON = "/usr/bin/python3";
const READY_TIMEOUT_MS = 30_000;
const LOG_KEPT = 8 * 1024 * 1024;

/** Which server program: `jupyter_server` (1.x here) or the classic `notebook` (6.x). */
export type JupyterKind = "jupyter_server" | "notebook";

/** A running Jupyter Server started by {@link startJupyterServer}. */
export interface JupyterServer {
  /** Base URL with the base path, no trailing slash: `http://127.0.0.1:41234/user/alice`. */
  readonly url: string;
  /** Which server program runs. */
  readonly kind: JupyterKind;
  /** Everything the server wrote to stderr so far (its log), across restarts. */
  log(): string;
  /** The server's token. */
  readonly token: string;
  /** The server's root dir (absolute); kernels start here. */
  readonly rootDir: string;
  /** Stops the server gracefully (it shuts its kernels down) and removes the root dir. */
  stop(): Promise<void>;
  /** Kills the server and its kernels with SIGKILL, as a crashed container; keeps the root dir. */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same token (after `kill()`). */
  restart(): Promise<void>;
}

/** Options of {@link startJupyterServer}. */
export interface JupyterServerOptions {
  /**
   * Parent of the temp root dir.
   * @default "workspace"
   */
  parentDir?: string;
  /** Extra `--Name.trait=value` arguments. */
  extraArgs?: string[];
  /** @default "jupyter_server" */
  kind?: JupyterKind;
  /** A base URL such as `/user/alice/` (as JupyterHub gives single-user servers). */
  baseUrl?: string;
  /** The server's `--log-level`, e.g. `DEBUG` (every request is logged). @default its own */
  logLevel?: "DEBUG" | "INFO" | "WARN";
  /**
   * Start the server with no token and no password (auth left to something in front of
   * it); `token` is then `""`. Such a server checks XSRF on every POST and DELETE.
   */
  noToken?: boolean;
  /**
   * Cull idle kernels after this many seconds, checked every second, connected ones too.
   * @default no culling
   */
  cullIdleSeconds?: number;
}

/**
 * Starts a Jupyter Server on a free loopback port and waits until `/api` answers.
 *
 * @param options Where to put the root dir, extra server arguments.
 * @returns The running server; call `stop()` when done.
 * @throws {Error} When the server does not answer within 30 s (its stderr is in the message).
 *
 * @example
 * ```ts
 * const server = await startJupyterServer();
 * try {
 *   const res = await fetch(`${server.url}/api`);
 *   await res.body?.cancel();
 * } finally {
 *   await server.stop();
 * }
 * ```
 */
export async function startJupyterServer(
  options: JupyterServerOptions = {},
): Promise<JupyterServer> {
  const parentDir = options.parentDir ?? "workspace";
  await Deno.mkdir(parentDir, { recursive: true });
  const rootDir = await Deno.realPath(
    await Deno.makeTempDir({ dir: parentDir, prefix: ".test-jupyter-" }),
  );
  const runtimeDir = `${rootDir}/.runtime`;
  await Deno.mkdir(runtimeDir);
  const port = freePort();
  const token = options.noToken ? "" : crypto.randomUUID().replaceAll("-", "");
  const kind = options.kind ?? "jupyter_server";
  const basePath = options.baseUrl ? `/${options.baseUrl.replace(/^\/+|\/+$/g, "")}` : "";
  const url = `http://127.0.0.1:${port}${basePath}`;
  const args = serverArgs(kind, port, token, rootDir, options);

  let child: Deno.ChildProcess | undefined;
  let stderrText = "";
  let logText = "";
  let drained: Promise<void> = Promise.resolve();

  const spawn = async () => {
    stderrText = "";
    child = new Deno.Command(PYTHON, {
      args,
      env: { JUPYTER_RUNTIME_DIR: runtimeDir, PYTHONUNBUFFERED: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    drained = drain(child.stderr, (text) => {
      stderrText = (stderrText + text).slice(-8000);
      logText = (logText + text).slice(-LOG_KEPT);
    });
    const ok = await waitForApi(url, token, child.status);
    if (!ok) {
      await killChild(child);
      await drained;
      throw new Error(`${kind} did not start on ${url}:\n${stderrText}`);
    }
  };

  const killAll = async () => {
    if (child) await killChild(child);
    child = undefined;
    await drained;
    await killKernels(runtimeDir);
  };

  await spawn();
  return {
    url,
    kind,
    log: () => logText,
    token,
    rootDir,
    async stop() {
      if (child) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const exited = await Promise.race([
          child.status.then(() => true),
          new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 10_000)),
        ]);
        clearTimeout(timer);
        if (!exited) await killChild(child);
        child = undefined;
        await drained;
      }
      await killKernels(runtimeDir);
      await Deno.remove(rootDir, { recursive: true }).catch(() => {});
    },
    kill: killAll,
    async restart() {
      await killAll();
      await spawn();
    },
  };
}

function serverArgs(
  kind: JupyterKind,
  port: number,
  token: string,
  rootDir: string,
  options: JupyterServerOptions,
): string[] {
  const app = kind === "notebook" ? "NotebookApp" : "ServerApp";
  const args = [
    "-m",
    kind,
    "--allow-root",
    "--no-browser",
    `--${app}.ip=127.0.0.1`,
    `--${app}.port=${port}`,
    `--${app}.port_retries=0`,
    `--${app}.token=${token}`,
    ...(options.noToken ? [`--${app}.password=`] : []),
    kind === "notebook" ? `--${app}.notebook_dir=${rootDir}` : `--${app}.root_dir=${rootDir}`,
  ];
  if (options.baseUrl) args.push(`--${app}.base_url=${options.baseUrl}`);
  if (options.logLevel) args.push(`--log-level=${options.logLevel}`);
  if (options.cullIdleSeconds !== undefined) {
    args.push(
      `--MappingKernelManager.cull_idle_timeout=${options.cullIdleSeconds}`,
      "--MappingKernelManager.cull_interval=1",
      "--MappingKernelManager.cull_connected=True",
    );
  }
  return [...args, ...(options.extraArgs ?? [])];
}

/** A free loopback TCP port (free when asked; the caller binds it soon after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Polls `GET {url}/api` with the token until it answers 2xx.
 *
 * @param url Base URL of a Jupyter server.
 * @param token Its token.
 * @param exited Resolves when the server process exits (then polling stops).
 * @returns True when it answered within 30 s.
 */
export async function waitForApi(
  url: string,
  token: string,
  exited: Promise<Deno.CommandStatus>,
): Promise<boolean> {
  let dead = false;
  exited.then(() => dead = true);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !dead) {
    try {
      const headers: Record<string, string> = token ? { Authorization: `token ${token}` } : {};
      const res = await fetch(`${url}/api`, { headers });
      await res.body?.cancel();
      if (res.ok) return true;
    } catch { /* not listening yet */ }
    await delay(100);
  }
  return false;
}

/** Reads a process's output stream to its end, handing each decoded chunk to `onText`. */
export async function drain(
  stream: ReadableStream<Uint8Array>,
  onText: (t: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
  } catch { /* stream closed */ }
}

/** SIGKILLs a child process and waits for its exit. */
export async function killChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
}

/**
 * SIGKILLs every process whose command line contains `text` (a test's own temp
 * dir, e.g. the runtime dir named by each kernel's connection file), and waits
 * until they are gone.
 */
export async function killKernels(text: string): Promise<void> {
  const { stdout } = await new Deno.Command("ps", { args: ["-eo", "pid=,args="], stdout: "piped" })
    .output();
  const pids = new TextDecoder().decode(stdout).split("\n")
    .filter((line) => line.includes(text))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  // Wait until they are gone so a restarted server does not find its ports in use.
  const deadline = Date.now() + 5000;
  while (pids.length > 0 && Date.now() < deadline && (await living(pids)) > 0) await delay(50);
}

/** How many of `pids` still run (zombies do not count). */
async function living(pids: number[]): Promise<number> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", pids.join(",")],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((s) => s && !s.startsWith("Z")).length;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What one cell produced. */
export interface CellRun extends ExecutionResult {
  events: OutputEvent[];
  /** stdout + stderr text, concatenated in arrival order. */
  streams: string;
  progress: ExecutionProgress[];
}

/**
 * Runs `code` and collects events, progress and the result.
 *
 * @param executor The executor under test.
 * @param code The cell.
 * @param extra Session id, abort signal.
 */
export async function runCell(
  executor: Executor,
  code: string,
  extra: Partial<Pick<ExecuteRequest, "sessionId" | "signal">> = {},
): Promise<CellRun> {
  const events: OutputEvent[] = [];
  const progress: ExecutionProgress[] = [];
  const result = await executor.execute({
    code,
    ...extra,
    onOutput: (e) => events.push(e),
    onProgress: (p) => progress.push(p),
  });
  const streams = events.map((e) => e.type === "stream" ? e.text : "").join("");
  return { ...result, events, streams, progress };
}

/**
 * The `serve` flags that point sidekernel at `server`, the token in a file
 * under its root dir (the pod layout: the root dir is the shared workspace).
 */
export function jupyterFlags(server: JupyterServer, url = server.url): string[] {
  const tokenFile = `${server.rootDir}/.jupyter-token`;
  Deno.writeTextFileSync(tokenFile, server.token);
  return ["--jupyter-url", url, "--jupyter-token-file", tokenFile];
}
