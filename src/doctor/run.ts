/**
 * `sidekernel doctor`: checks what `serve` with the same flags would need —
 * the workspace, the executor, the Kubernetes API and its rights — and prints
 * one table with a fix for every row that is not ok.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { CommandIO } from "../inject/run.ts";
import { checkJupyter, type JupyterCheckOptions } from "./jupyter.ts";
import { checkKube, type KubeCheckOptions } from "./kube.ts";
import { checkPython, checkWorkspace } from "./local.ts";
import { checkLocalKernel } from "./local_kernel.ts";
import { type CheckRow, renderTable, summary } from "./report.ts";

export type { CommandIO } from "../inject/run.ts";

/** Test seams and timeouts of {@link runDoctor}. */
export interface DoctorOptions {
  jupyter?: JupyterCheckOptions;
  kube?: KubeCheckOptions;
}

/**
 * Runs every check for `config` and prints the table to `io.stdout`.
 *
 * @param config the config `serve` would run with (doctor takes the serve flags)
 * @returns 0 when no check failed (warnings allowed), 1 otherwise
 * @example
 * ```ts
 * const code = await runDoctor(loadConfig(args, sources), { stdin, stdout, stderr });
 * ```
 */
export async function runDoctor(
  config: Config,
  io: CommandIO,
  options: DoctorOptions = {},
): Promise<number> {
  const rows = await collectChecks(config, options);
  io.stdout(renderTable(rows));
  io.stdout(summary(rows));
  return rows.some((r) => r.status === "fail") ? 1 : 0;
}

/**
 * The rows of the doctor table, in order: workspace, executor, Kubernetes
 * (when the pods toolset is enabled).
 */
export async function collectChecks(
  config: Config,
  options: DoctorOptions = {},
): Promise<CheckRow[]> {
  const rows: CheckRow[] = [...await checkWorkspace(config.workspacePath)];
  const executor = config.executor;
  if (executor.kind === "subprocess") rows.push(...await checkPython(executor.python));
  else if (executor.kind === "local") {
    const python = await checkPython(executor.python);
    rows.push(...python);
    // The interpreter must start at all before its driver can.
    if (python.every((r) => r.status === "ok")) {
      rows.push(...await checkLocalKernel(executor.python, config.workspacePath));
    }
  } else rows.push(...await checkJupyter(executor, options.jupyter));
  if (config.toolsets.includes("pods")) rows.push(...await checkKube(config.kube, options.kube));
  return rows;
}
