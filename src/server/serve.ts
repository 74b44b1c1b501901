/**
 * `sidekernel serve`: builds the executor and toolsets from the config, then
 * serves them over stdio or HTTP until SIGINT/SIGTERM.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import { UsageError } from "../config/errors.ts";
import type { Readiness } from "../exec/executor.ts";
import { createKubeClient } from "../k8s/client.ts";
import { resolveClusterConfig } from "../k8s/config.ts";
import { checkKubeReady } from "../k8s/probe.ts";
import { createPodsToolset } from "../tools/pods_toolset.ts";
import type { Executor } from "../exec/executor.ts";
import { createJupyterExecutor } from "../exec/jupyter.ts";
import { createSubprocessExecutor } from "../exec/subprocess.ts";
import type { Logger } from "../obs/log.ts";
import { createPythonTool } from "../tools/python.ts";
import { createPythonResetTool } from "../tools/python_reset.ts";
import type { Toolset } from "../tools/tool.ts";
import { workspaceOutputFiles } from "../workspace/outputs.ts";
import { LOOPBACK_NAMES } from "./guard.ts";
import { startHttp } from "./http.ts";
import { createFullServer, createPythonServer, type ServerDeps } from "./mcp.ts";
import { isLoopback } from "../config/config.ts";
import { StdioServerTransport } from "./sdk.ts";

/** Outside-world values `serve` needs that are not configuration. */
export interface ServeEnvironment {
  /** PATH handed to the code the subprocess executor runs. */
  path?: string;
}

/**
 * Runs the server until a termination signal; resolves when it has shut down.
 *
 * @throws {Error} when the workspace cannot be created or the port cannot be bound
 */
export async function serve(config: Config, logger: Logger, env: ServeEnvironment): Promise<void> {
  Deno.mkdirSync(config.workspacePath, { recursive: true });
  const executor = createExecutor(config, logger, env);
  const pythonTool = createPythonTool({
    executor,
    files: workspaceOutputFiles(config.workspacePath),
    workspacePath: config.workspacePath,
    timeoutSeconds: config.timeoutSeconds,
    maxOutput: config.maxOutput,
    logger,
  });
  const toolsets: Toolset[] = [];
  if (config.toolsets.includes("python")) {
    toolsets.push({ name: "python", tools: [pythonTool, createPythonResetTool(executor)] });
  }
  const readiness: Record<string, () => Promise<Readiness>> = { executor: () => executor.ready() };
  if (config.toolsets.includes("pods")) {
    const pods = await podsToolset(config, logger);
    if (pods) {
      toolsets.push(pods.toolset);
      readiness.kubernetes = pods.ready;
    }
  }
  const deps: ServerDeps = {
    toolsets,
    pythonTool,
    pythonInstructions: pythonTool.description,
    logger,
  };

  const stopped = terminationSignal();
  if (config.transport === "stdio") {
    const server = createFullServer(deps);
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => transport.onclose = resolve);
    await server.connect(transport);
    logger.info("serving MCP on stdio", {
      executor: executor.kind,
      workspace: config.workspacePath,
    });
    await Promise.race([stopped, closed]);
    await server.close().catch(() => {});
  } else {
    const front = await startHttp({
      hostname: config.host,
      port: config.port,
      guard: {
        authToken: config.authToken,
        allowedHosts: isLoopback(config.host) ? LOOPBACK_NAMES : undefined,
        allowedOrigins: isLoopback(config.host) ? LOOPBACK_NAMES : undefined,
      },
      createServer: (kind) => kind === "python" ? createPythonServer(deps) : createFullServer(deps),
      onSessionClosed: (id) => void executor.sessionClosed(id).catch(() => {}),
      readiness: async () => {
        const names = Object.keys(readiness);
        const results = await Promise.all(names.map((name) => readiness[name]()));
        return Object.fromEntries(names.map((name, i) => [name, results[i]]));
      },
      logger,
    });
    logger.info("serving MCP over HTTP", {
      url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${front.port}`,
      executor: executor.kind,
      workspace: config.workspacePath,
      auth: config.authToken ? "bearer" : "none",
    });
    await stopped;
    logger.info("shutting down");
    await front.shutdown();
  }
  await executor.close();
}

/**
 * The pods toolset when a cluster config exists; undefined (with one log
 * line) when none does, so the server still serves `python`.
 *
 * @throws {UsageError} when `--kubeconfig` or `--context` name something unusable
 */
async function podsToolset(config: Config, logger: Logger) {
  const kube = config.kube;
  const resolved = await resolveClusterConfig({
    kubeconfigPath: kube.kubeconfig,
    kubeconfigEnv: kube.kubeconfigEnv,
    context: kube.context,
    namespaces: kube.namespaces,
    podNamespace: kube.podNamespace,
    podName: kube.podName,
    apiServerHost: kube.serviceHost,
    apiServerPort: kube.servicePort,
    home: kube.home,
  });
  if (resolved.kind === "invalid" && (kube.kubeconfig || kube.context)) {
    throw new UsageError(kube.kubeconfig ? "kubeconfig" : "context", resolved.detail);
  }
  if (resolved.kind !== "ready") {
    logger.info("pods toolset left out", { reason: resolved.detail });
    return undefined;
  }
  const client = createKubeClient(resolved.config);
  const own = resolved.config.ownNamespace;
  logger.info("pods toolset enabled", {
    server: resolved.config.server,
    namespaces: resolved.config.namespaces,
  });
  return {
    toolset: createPodsToolset({
      config: resolved.config,
      client,
      maxOutput: config.maxOutput,
      logger,
    }),
    ready: () => checkKubeReady(client, own),
  };
}

function createExecutor(config: Config, logger: Logger, env: ServeEnvironment): Executor {
  const exec = config.executor;
  if (exec.kind === "subprocess") {
    return createSubprocessExecutor({
      python: exec.python,
      workspacePath: config.workspacePath,
      timeoutSeconds: config.timeoutSeconds,
      path: env.path,
      logger,
    });
  }
  return createJupyterExecutor({
    url: exec.url.href.replace(/\/$/, ""),
    token: exec.token,
    kernelName: exec.kernelName,
    scope: exec.kernelScope,
    workspacePath: config.workspacePath,
    timeoutSeconds: config.timeoutSeconds,
    logger,
  });
}

function terminationSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGINT", stop);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  });
}
