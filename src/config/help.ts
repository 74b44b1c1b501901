/**
 * `--help` texts, generated from the flag table so they never drift.
 *
 * @module
 */
import { envName, FLAGS } from "./flags.ts";

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
  sidekernel                                  HTTP on 127.0.0.1:8000, stateful local python3
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
    for (const f of FLAGS.filter((flag) => flag.group === group)) {
      const value = f.choices ? f.choices.join("|") : f.type === "integer" ? "N" : "VALUE";
      const name = `  --${f.name} ${value}`;
      if (name.length >= 33) lines.push(name, `${"".padEnd(34)}${f.help}`);
      else lines.push(`${name.padEnd(34)}${f.help}`);
      const extra = f.alsoEnv ? `, ${f.alsoEnv.join(", ")}` : "";
      lines.push(`${"".padEnd(34)}default: ${f.defaultText}; env: ${envName(f.name)}${extra}`);
    }
  }
  lines.push(
    "",
    "Examples:",
    "  # laptop, stateful local python3 (variables persist between calls), for a desktop client:",
    "  sidekernel serve --transport stdio --workspace-path ~/agent-files",
    "  # in a pod, next to a Jupyter container, reachable by other pods:",
    "  sidekernel serve --host 0.0.0.0 --auth-token-file /var/run/secrets/sidekernel/token \\",
    "    --jupyter-url http://127.0.0.1:8888 --jupyter-token-file /var/run/secrets/jupyter/token",
    "  # point a gpt-oss tool server (vLLM, SGLang) at the python server:",
    "  #   http://127.0.0.1:8000/python/sse",
    "",
  );
  return lines.join("\n");
}
