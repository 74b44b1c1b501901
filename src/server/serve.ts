/**
 * `sidekernel serve`: builds the executor and toolsets from the config, then
 * serves them over stdio or HTTP until SIGINT/SIGTERM.
 *
 * Only what the config turns on is imported: the one executor it names, the
 * pod tools and the Kubernetes client only when a cluster was found, the
 * fault tools only with `--debug-faults` (a faster start and less memory;
 * see docs/PERFORMANCE.md).
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { Readiness } from "../exec/executor.ts";
import type { ClusterConfig } from "../k8s/config.ts";
import type { Executor } from "../exec/executor.ts";
import type { Logger } from "../obs/log.ts";
import { createMetrics, kubeVerbLabel, type Metrics, statusLabel } from "../obs/metrics.ts";
import { workspaceOutputFiles } from "../workspace/outputs.ts";
import { ExecutionGate, type GateOptions } from "../exec/gate.ts";
import { CellRunner } from "../exec/cell.ts";
import { startHttp } from "./http.ts";
import { IoProbe } from "./liveness.ts";
import type { Surface, SurfaceInputs } from "./surface.ts";

/** Outside-world values `serve` needs that are not configuration. */
export interface ServeEnvironment {
  /** PATH handed to the code the subprocess executor runs. */
  path?: string;
  /** The resolved cluster, when the pods toolset is on and a cluster config exists. */
  cluster?: ClusterConfig;
  /** Resolves when the server should shut down (SIGINT/SIGTERM in the main isolate). */
  stop: Promise<void>;
}

/**
 * Runs the server until a termination signal; resolves when it has shut down.
 *
 * @throws {Error} when the workspace cannot be created or the port cannot be bound
 */
export async function serve(config: Config, logger: Logger, env: ServeEnvironment): Promise<void> {
  Deno.mkdirSync(config.workspacePath, { recursive: true });
  const metrics = createMetrics();
  const limits: GateOptions = {
    maxGlobal: config.maxExecutions,
    maxPerSession: config.maxExecutionsPerSession,
  };
  const gate = new ExecutionGate(limits);
  const executor = await createExecutor(config, logger, env, metrics);
  const cells = new CellRunner({
    executor,
    files: workspaceOutputFiles(config.workspacePath),
    maxOutput: config.maxOutput,
    logger,
    metrics,
    gate,
  });
  const readiness: Record<string, () => Promise<Readiness>> = { executor: () => executor.ready() };
  const inputs: SurfaceInputs = { config, logger, metrics, executor, cells };
  if (config.toolsets.includes("pods") && env.cluster) {
    const cluster = env.cluster;
    const [{ createKubeClient }, { checkKubeReady }] = await Promise.all([
      import("../k8s/client.ts"),
      import("../k8s/probe.ts"),
    ]);
    const client = createKubeClient(
      cluster,
      (status) =>
        metrics.kubeRequests.inc({ verb: kubeVerbLabel("get"), code: statusLabel(status) }),
    );
    inputs.kube = { cluster, client };
    readiness.kubernetes = () => checkKubeReady(client, cluster.ownNamespace);
  }
  if (config.debugFaults) logger.warn("--debug-faults is on: the fault tools are served");
  // The MCP side (SDK, zod, the tools) is loaded when first needed: at once on
  // stdio, on the first request that is not a probe over HTTP.
  let surface: Promise<Surface> | undefined;
  const loadSurface = () => {
    surface ??= (async () => {
      const started = performance.now();
      const built = await (await import("./surface.ts")).buildSurface(inputs);
      logger.debug("MCP surface loaded", { ms: Math.round(performance.now() - started) });
      return built;
    })();
    return surface;
  };

  const stopped = env.stop;
  const releasing = new Set<Promise<void>>();
  if (config.transport === "stdio") {
    // serveStdio lets the client's opening pick the revision: `initialize`
    // (2025-11-25) or a 2026-07-28 request; one server serves the connection.
    const [built, { serveStdio, StdioServerTransport }, { withBudget }] = await Promise.all([
      loadSurface(),
      import("../mcp/sdk.ts"),
      import("./budget.ts"),
    ]);
    const stdio = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => stdio.onclose = resolve);
    const served = serveStdio(() => built.createServer("full"), {
      transport: withBudget(stdio, built.budget),
      onerror: (error) => logger.warn("stdio message failed", { error }),
    });
    logger.info("serving MCP on stdio", {
      executor: executor.kind,
      workspace: config.workspacePath,
    });
    await Promise.race([stopped, closed]);
    await drain(gate, config, logger);
    await served.close().catch(() => {});
  } else {
    const ioProbe = new IoProbe({ path: config.workspacePath });
    const checks = async () => {
      const names = Object.keys(readiness);
      const results = await Promise.all(names.map((name) => readiness[name]()));
      return Object.fromEntries(names.map((name, i) => [name, results[i]]));
    };
    const liveness = () => ioProbe.check();
    const front = await startHttp({
      hostname: config.host,
      port: config.port,
      readiness: checks,
      liveness,
      logger,
      metrics,
      mcp: async () => {
        const [built, { createHttpHandler }] = await Promise.all([
          loadSurface(),
          import("./handler.ts"),
        ]);
        return createHttpHandler({
          guard: {
            authToken: config.authToken,
            allowedHosts: config.allowedHosts,
            allowedOrigins: config.allowedOrigins,
          },
          gate,
          limits,
          budget: built.budget,
          maxSessions: config.maxSessions,
          sessionIdleMs: config.sessionIdleSeconds * 1000,
          resumeMs: config.resumeTimeoutSeconds * 1000,
          createServer: (kind, leg) => built.createServer(kind, leg),
          onSessionClosed: (id) => {
            // Kept until done: shutdown waits for these before the worker ends.
            const release = executor.sessionClosed(id).catch(() => {});
            releasing.add(release);
            void release.finally(() => releasing.delete(release));
          },
          liveness,
          readiness: checks,
          logger,
          metrics,
        });
      },
    });
    logger.info("serving MCP over HTTP", {
      url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${front.port}`,
      executor: executor.kind,
      workspace: config.workspacePath,
      auth: config.authToken ? "bearer" : "none",
    });
    await stopped;
    await drain(gate, config, logger);
    await front.shutdown();
    await Promise.all(releasing);
  }
  (await surface?.catch(() => undefined))?.close();
  await executor.close();
}

/** Lets running executions finish within `--shutdown-grace`, then interrupts the rest. */
async function drain(gate: ExecutionGate, config: Config, logger: Logger): Promise<void> {
  logger.info("shutting down", { running: gate.inFlight, grace_s: config.shutdownGraceSeconds });
  const interrupted = await gate.drain(config.shutdownGraceSeconds * 1000);
  if (interrupted > 0) logger.warn("interrupted executions at shutdown", { count: interrupted });
}

async function createExecutor(
  config: Config,
  logger: Logger,
  env: ServeEnvironment,
  metrics: Metrics,
): Promise<Executor> {
  const exec = config.executor;
  const events = {
    started: () => metrics.kernelsAlive.inc({}),
    stopped: () => metrics.kernelsAlive.dec({}),
    restarted: (reason: "reset" | "timeout" | "died") => metrics.kernelRestarts.inc({ reason }),
  };
  if (exec.kind === "local") {
    const { createLocalExecutor } = await import("../exec/local.ts");
    return createLocalExecutor({
      python: exec.python,
      workspacePath: config.workspacePath,
      timeoutSeconds: config.timeoutSeconds,
      memoryLimitMiB: config.memoryLimitMiB,
      scope: exec.kernelScope,
      path: env.path,
      logger,
      events,
    });
  }
  if (exec.kind === "subprocess") {
    const { createSubprocessExecutor } = await import("../exec/subprocess.ts");
    return createSubprocessExecutor({
      python: exec.python,
      workspacePath: config.workspacePath,
      timeoutSeconds: config.timeoutSeconds,
      memoryLimitMiB: config.memoryLimitMiB,
      path: env.path,
      logger,
    });
  }
  const { createJupyterExecutor } = await import("../exec/jupyter.ts");
  return createJupyterExecutor({
    url: exec.url,
    token: exec.token,
    kernelName: exec.kernelName,
    scope: exec.kernelScope,
    workspacePath: config.workspacePath,
    timeoutSeconds: config.timeoutSeconds,
    logger,
    events,
  });
}
