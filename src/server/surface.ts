/**
 * The MCP surface of `sidekernel serve`: the tools and toolsets the config
 * turns on, the `--call-timeout` budget, and the factory of the MCP servers
 * that serve them. serve.ts builds it on the first MCP request over HTTP (at
 * once on stdio), so the MCP SDK, zod and the tools' schemas are not loaded
 * while the sidecar only answers its probes (docs/PERFORMANCE.md).
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { CellRunner } from "../exec/cell.ts";
import type { Executor } from "../exec/executor.ts";
import type { KubeClient } from "../k8s/client.ts";
import type { ClusterConfig } from "../k8s/config.ts";
import type { Logger } from "../obs/log.ts";
import type { McpServer } from "../mcp/sdk.ts";
import { createFilesToolset, type FilesToolset } from "../tools/files_toolset.ts";
import { createPythonTool } from "../tools/python.ts";
import { createPythonResetTool } from "../tools/python_reset.ts";
import type { Toolset } from "../tools/tool.ts";
import type { CallBudget } from "./budget.ts";
import { createFullServer, createPythonServer, type ServerDeps } from "./mcp.ts";
import type { Leg, ServerKind } from "./sessions.ts";
import type { Metrics } from "../obs/metrics.ts";

/** What the surface is built from: the config and what serve.ts made at start. */
export interface SurfaceInputs {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  executor: Executor;
  cells: CellRunner;
  /** The cluster and its client, when the pods toolset is on and a cluster was found. */
  kube?: { cluster: ClusterConfig; client: KubeClient };
}

/** The built surface. */
export interface Surface {
  /** A new MCP server: `full` for /mcp, /sse and stdio, `python` for the gpt-oss endpoints. */
  createServer(kind: ServerKind, leg?: Leg): McpServer;
  /** python keeps its own clock (--timeout, interrupts); every other request has --call-timeout. */
  budget: CallBudget;
  /** Stops what the toolsets run in the background (the workspace watcher). */
  close(): void;
}

/** Builds the surface. */
export async function buildSurface(inputs: SurfaceInputs): Promise<Surface> {
  const { config, logger, metrics, executor, cells } = inputs;
  const pythonTool = createPythonTool({
    cells,
    workspacePath: config.workspacePath,
    timeoutSeconds: config.timeoutSeconds,
  });
  const resetTool = createPythonResetTool(executor);
  const toolsets: Toolset[] = [];
  if (config.toolsets.includes("python")) {
    toolsets.push({ name: "python", tools: [pythonTool, resetTool] });
  }
  if (inputs.kube) {
    const { createPodsToolset } = await import("../tools/pods_toolset.ts");
    const { cluster, client } = inputs.kube;
    toolsets.push(
      createPodsToolset({ config: cluster, client, maxOutput: config.maxOutput, logger }),
    );
  }
  const files: FilesToolset | undefined = config.toolsets.includes("files")
    ? createFilesToolset({ workspacePath: config.workspacePath, logger })
    : undefined;
  if (files) toolsets.push(files);
  const deps: ServerDeps = {
    toolsets,
    pythonTool,
    pythonInstructions: pythonTool.description,
    logger,
    metrics,
    verboseLogs: config.logLevel === "debug",
    extraTools: config.debugFaults
      ? (await import("./debug_faults.ts")).createDebugFaultTools(config.workspacePath)
      : undefined,
  };
  return {
    createServer: (kind, leg) =>
      kind === "python" ? createPythonServer(deps, leg) : createFullServer(deps),
    budget: {
      ms: config.callTimeoutSeconds * 1000,
      selfTimed: new Set([pythonTool.name, resetTool.name]),
      logger,
    },
    close: () => files?.close(),
  };
}
