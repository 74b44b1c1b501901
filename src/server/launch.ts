/**
 * Starts the serving worker with the permissions the config needs, forwards
 * SIGINT/SIGTERM to it, and resolves with its exit code. A worker that does
 * not stop in time, or whose heartbeat stopped, is terminated (watchdog.ts);
 * a second signal terminates it at once.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import { UsageError } from "../config/errors.ts";
import type { Logger } from "../obs/log.ts";
import { findCluster } from "../k8s/cluster.ts";
import { servePermissions } from "./permissions.ts";
import { WorkerWatch } from "./watchdog.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

/** What {@link launch} needs besides the config. */
export interface LaunchOptions {
  logger: Logger;
  /** PATH handed to the code the subprocess executor runs. */
  path?: string;
  /** Environment variable names the worker may read (those the program reads). */
  envNames: string[];
}

/**
 * Runs `sidekernel serve` in a narrowed worker until it stops.
 *
 * @returns the exit code
 * @throws {UsageError} when the cluster flags name something unusable
 */
export async function launch(given: Config, options: LaunchOptions): Promise<number> {
  const { logger } = options;
  if (given.debugFaults && Deno.build.standalone) {
    throw new UsageError(
      "debug-faults",
      "--debug-faults serves tools that wedge the server, for the tests of the source tree; " +
        "the compiled binary refuses it. Remove --debug-faults (or SIDEKERNEL_DEBUG_FAULTS).",
    );
  }
  const [config, cluster] = await Promise.all([
    withResolvedPython(given, options),
    findCluster(given, logger),
  ]);
  const permissions = servePermissions(config, {
    // Imported only with a cluster: it loads the YAML parser.
    kube: cluster ? (await import("../k8s/access_needs.ts")).kubeAccessNeeds(cluster) : undefined,
    env: options.envNames,
  });
  logger.info("serving worker permissions", { permissions });
  const worker = new Worker(workerUrl(import.meta.url), {
    type: "module",
    name: "sidekernel-serve",
    deno: { permissions },
  } as WorkerOptions);
  const send = (message: ToWorker) => worker.postMessage(message);
  const watch = new WorkerWatch({ graceMs: config.shutdownGraceSeconds * 1000, logger });
  let finish: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    finish = resolve;
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      if (event.data.type === "beat") watch.beat();
      else resolve(event.data.code);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      logger.error("serving worker failed", { error: event.message });
      resolve(1);
    };
  });
  let stopping = false;
  const stop = () => {
    if (stopping) {
      logger.warn("second stop signal: terminating the serving worker now");
      finish(1);
      return;
    }
    stopping = true;
    send({ type: "stop" });
    void watch.stopping().then((reason) => {
      logger.error("forced stop", { reason });
      finish(1);
    });
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  send({ type: "start", config, cluster, path: options.path });
  const code = await stopped;
  watch.close();
  worker.terminate();
  return code;
}

/**
 * The serving worker's module: worker.ts next to this file when running from
 * source; `serve/worker.js` next to this chunk in the bundle that
 * scripts/bundle.sh builds for `deno compile`.
 */
function workerUrl(here: string): URL {
  return new URL(here.endsWith(".ts") ? "./worker.ts" : "./serve/worker.js", here);
}

/**
 * Resolves `--python` to the interpreter's real path once, from the
 * workspace (so a version manager picks what it would pick there). Version
 * manager shims (pyenv, asdf) cost ~100 ms per start; the worker then runs,
 * and may run, only the real interpreter.
 */
async function withResolvedPython(config: Config, options: LaunchOptions): Promise<Config> {
  const executor = config.executor;
  if (executor.kind === "jupyter") return config;
  const python = executor.python;
  try {
    await Deno.mkdir(config.workspacePath, { recursive: true });
    const out = await new Deno.Command(python, {
      args: ["-c", "import sys; print(sys.executable)"],
      cwd: config.workspacePath,
      env: options.path ? { PATH: options.path } : undefined,
      stdin: "null",
      stderr: "null",
    }).output();
    const resolved = new TextDecoder().decode(out.stdout).trim();
    if (!out.success || !resolved.startsWith("/")) throw new Error(`exit ${out.code}`);
    if (resolved !== python) options.logger.info("python resolved", { python, path: resolved });
    return Object.freeze({
      ...config,
      executor: Object.freeze({ ...executor, python: resolved }),
    });
  } catch (error) {
    options.logger.warn("python could not be started; python calls will fail until it can", {
      python,
      error,
    });
    return config;
  }
}
