/**
 * `--help` texts, generated from the flag table so they never drift.
 *
 * @module
 */
import { defaultText, flagEnvNamesOf, type FlagSpec } from "./flag_spec.ts";
import { FLAGS, flagSpec } from "./flags.ts";

/** The defaults the examples name, from the flag table. */
const HOST = flagSpec("host").default;
const PORT = flagSpec("port").default;
const PYTHON = flagSpec("python").default;

/** Column where a flag's explanation starts, and the width help lines wrap at. */
const INDENT = 34;
const WIDTH = 100;

/** Help sections, in order. */
const GROUPS = {
  server: "Server",
  python: "Python",
  jupyter: "Jupyter executor",
  kubernetes: "Pod tools",
} as const;

/** Help of the program as a whole. */
export const MAIN_HELP =
  `sidekernel — a Python interpreter and a read-only view of its own namespace,
served over MCP to an AI agent, from a sidecar in its pod.

Usage:
  sidekernel [serve] [flags]     serve MCP (the default command)
  sidekernel inject -f FILE|-    add the sidecar to Pod/Deployment/StatefulSet/Job… YAML
  sidekernel webhook [flags]     add it to pods as they are created (admission webhook)
  sidekernel doctor [flags]      check workspace, python/Jupyter and Kubernetes rights
  sidekernel version             print the version
  sidekernel <command> --help    help of a command

Examples:
  sidekernel                                  HTTP on ${HOST}:${PORT}, stateful local ${PYTHON}
  sidekernel --executor subprocess            a fresh interpreter state for every call
  sidekernel --transport stdio                for desktop MCP clients
  sidekernel --jupyter-url http://127.0.0.1:8888 --jupyter-token-file /secrets/jupyter-token
  sidekernel inject -f deployment.yaml | kubectl apply -f -
  sidekernel doctor --jupyter-url http://127.0.0.1:8888

Exit codes: 0 ok, 1 runtime failure, 2 usage error.
`;

/** Help of `sidekernel serve`. */
export function serveHelp(): string {
  const lines = [
    "Usage: sidekernel serve [flags]",
    "",
    "Serves MCP: the full server at /mcp (Streamable HTTP) and /sse (legacy SSE), the gpt-oss",
    "python server at /python/mcp and /python/sse, probes at /healthz and /readyz.",
    "Every flag can also be set as SIDEKERNEL_<NAME> (e.g. --workspace-path is",
    "SIDEKERNEL_WORKSPACE_PATH; a list takes commas). Flags win over variables.",
  ];
  for (const [group, title] of Object.entries(GROUPS)) {
    lines.push("", `${title}:`);
    for (const f of FLAGS.filter((flag) => flag.group === group)) lines.push(...flagHelp(f));
  }
  lines.push(
    "",
    "Examples:",
    `  # laptop, stateful local ${PYTHON} (variables persist between calls), for a desktop client:`,
    "  sidekernel serve --transport stdio --workspace-path ~/agent-files",
    "  # in a pod, next to a Jupyter container, reachable by other pods:",
    "  sidekernel serve --host 0.0.0.0 --auth-token-file /var/run/secrets/sidekernel/token \\",
    "    --jupyter-url http://127.0.0.1:8888 --jupyter-token-file /var/run/secrets/jupyter/token",
    "  # point a gpt-oss tool server (vLLM, SGLang) at the python server:",
    `  #   http://${HOST}:${PORT}/python/sse`,
    "",
  );
  return lines.join("\n");
}

/**
 * One flag's lines: `--name VALUE`, its help, then its default and variables,
 * all taken from the flag's entry (the default as `loadConfig()` uses it) and
 * wrapped at {@link WIDTH} columns.
 */
function flagHelp(f: FlagSpec): string[] {
  const value = f.choices ? f.choices.join("|") : f.type === "integer" ? "N" : "VALUE";
  const name = `  --${f.name} ${value}`;
  const defaults = wrap(`default: ${defaultText(f)}`);
  const env = `env: ${flagEnvNamesOf(f).join(", ")}`;
  const last = defaults.length - 1;
  if (defaults[last].length + 2 + env.length <= WIDTH - INDENT) defaults[last] += `; ${env}`;
  else defaults.push(env);
  const text = [...wrap(f.help), ...defaults];
  const out = text.map((line) => " ".repeat(INDENT) + line);
  if (name.length < INDENT - 1) out[0] = name.padEnd(INDENT) + text[0];
  else out.unshift(name);
  return out;
}

/**
 * Words of `text` in lines of at most `WIDTH - INDENT` characters. A
 * parenthesised part stays on one line with the word before it, so "pods
 * (read-only pods of the namespace)" is never split; a longer part stays whole.
 */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of unbreakable(text)) {
    if (line !== "" && line.length + 1 + part.length > WIDTH - INDENT) {
      lines.push(line);
      line = part;
    } else line = line === "" ? part : `${line} ${part}`;
  }
  return [...lines, line];
}

/** `text` split at the spaces outside parentheses, a parenthesis kept with the word before it. */
function unbreakable(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  for (const word of text.split(" ")) {
    if ((depth > 0 || word.startsWith("(")) && parts.length > 0) {
      parts[parts.length - 1] += ` ${word}`;
    } else parts.push(word);
    depth += (word.match(/\(/g)?.length ?? 0) - (word.match(/\)/g)?.length ?? 0);
    if (depth < 0) depth = 0;
  }
  return parts;
}
