/**
 * The python tool's description. gpt-oss models were trained on the wording
 * of their built-in python tool, so the description keeps its sentences and
 * fills in what is true here: the workspace path instead of `/mnt/data`, the
 * configured timeout, and whether state persists.
 *
 * @module
 */

/** What the description depends on. */
export interface PythonDescriptionOptions {
  stateful: boolean;
  workspacePath: string;
  timeoutSeconds: number;
}

const PREAMBLE =
  "Use this tool to execute Python code in your chain of thought. The code will not be shown " +
  "to the user. This tool should be used for internal reasoning, but not for code that is " +
  "intended to be visible to the user (e.g. when creating plots, tables, or files).";

/**
 * Builds the description used as the tool description and as the gpt-oss
 * server's `instructions`.
 *
 * @example
 * ```ts
 * pythonDescription({ stateful: true, workspacePath: "/workspace", timeoutSeconds: 120 });
 * ```
 */
export function pythonDescription(options: PythonDescriptionOptions): string {
  const { workspacePath: ws, timeoutSeconds: t } = options;
  const images = `Plots and images the code displays are saved under '${ws}/outputs/'.`;
  if (options.stateful) {
    return [
      PREAMBLE,
      `When you send a message containing Python code to python, it will be executed in a ` +
      `stateful Jupyter notebook environment. python will respond with the output of the ` +
      `execution or time out after ${t} seconds. The drive at '${ws}' can be used to save and ` +
      `persist user files. ${images} Internet access for this session is UNKNOWN. Depends on ` +
      `the cluster.`,
    ].join("\n");
  }
  return [
    PREAMBLE,
    `When you send a message containing Python code to python, it will be executed in a ` +
    `stateless Python process, and its stdout and stderr will be returned to you. You have to ` +
    `use print statements to access the output. It times out after ${t} seconds. The working ` +
    `directory '${ws}' can be used to save and persist user files. ${images}`,
    "IMPORTANT: Your python environment is not shared between calls. You will have to pass your " +
    "entire code each time.",
  ].join("\n");
}
