/**
 * The flags of `sidekernel serve`: one table that drives parsing, environment
 * variables (`--workspace-path` ↔ `SIDEKERNEL_WORKSPACE_PATH`) and `--help`.
 *
 * @module
 */
import { TOOLSET_NAMES, TOOLSETS } from "./toolsets.ts";

/** How a flag's text value is read. */
export type FlagType = "string" | "integer" | "list";

/** One flag of `sidekernel serve`. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `workspace-path`. */
  name: string;
  type: FlagType;
  /** Accepted values, for enumerations; named in errors and help. */
  choices?: readonly string[];
  /** Inclusive range, for integers. */
  min?: number;
  max?: number;
  /** Default as shown in `--help`. */
  defaultText: string;
  /** One line for `--help`. */
  help: string;
  /** Extra environment variables read after `SIDEKERNEL_<NAME>`. */
  alsoEnv?: readonly string[];
  /** Help section. */
  group: "server" | "python" | "jupyter" | "kubernetes";
}

/** Every flag of `sidekernel serve`, in help order. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "transport",
    type: "string",
    choices: ["http", "stdio"],
    defaultText: "http",
    help: "stdio for desktop MCP clients; http serves /mcp, /sse and /python/*",
    group: "server",
  },
  {
    name: "host",
    type: "string",
    defaultText: "127.0.0.1",
    help: "bind address; a non-loopback host requires --auth-token-file",
    group: "server",
  },
  {
    name: "port",
    type: "integer",
    min: 0,
    max: 65535,
    defaultText: "8000",
    help: "TCP port (0 picks a free one and logs it)",
    group: "server",
  },
  {
    name: "auth-token-file",
    type: "string",
    defaultText: "none",
    help: "file holding the bearer token every HTTP MCP request must send",
    group: "server",
  },
  {
    name: "toolsets",
    type: "list",
    choices: TOOLSET_NAMES,
    defaultText: TOOLSET_NAMES.join(","),
    help: `tool groups to serve: ${
      TOOLSET_NAMES.map((name) => `${name} (${TOOLSETS[name].description})`).join(", ")
    }; pods is left out when no cluster config exists`,
    group: "server",
  },
  {
    name: "log-level",
    type: "string",
    choices: ["debug", "info", "warn", "error"],
    defaultText: "info",
    help: "JSON lines on stderr",
    group: "server",
  },
  {
    name: "allowed-hosts",
    type: "list",
    defaultText: "localhost,127.0.0.1,[::1] on loopback binds, else any",
    help: "Host header names accepted on MCP paths (DNS-rebinding guard)",
    group: "server",
  },
  {
    name: "allowed-origins",
    type: "list",
    defaultText: "localhost,127.0.0.1,[::1] on loopback binds, else any",
    help: "Origin host names accepted on MCP paths (requests without Origin pass)",
    group: "server",
  },
  {
    name: "max-sessions",
    type: "integer",
    min: 1,
    max: 100000,
    defaultText: "500",
    help: "open MCP sessions at most; past it new sessions get 503 with Retry-After",
    group: "server",
  },
  {
    name: "session-idle-timeout",
    type: "integer",
    min: 1,
    max: 604800,
    defaultText: "1800",
    help: "seconds without a request after which an MCP session is closed",
    group: "server",
  },
  {
    name: "shutdown-grace",
    type: "integer",
    min: 0,
    max: 3600,
    defaultText: "20",
    help: "seconds running executions may finish after SIGTERM (keep below the pod's 30 s)",
    group: "server",
  },
  {
    name: "call-timeout",
    type: "integer",
    min: 1,
    max: 3600,
    defaultText: "30",
    help: "seconds any request but python (pod tools, resources/read) may take; then an error",
    group: "server",
  },
  {
    name: "resume-timeout",
    type: "integer",
    min: 1,
    max: 3600,
    defaultText: "60",
    help: "seconds a call whose Streamable HTTP connection dropped waits for a resume " +
      "(Last-Event-ID); then it is cancelled",
    group: "server",
  },
  {
    name: "debug-faults",
    type: "string",
    choices: ["off", "on"],
    defaultText: "off",
    help: "tests only: add tools that pin the event loop or block file I/O (refused when compiled)",
    group: "server",
  },
  {
    name: "executor",
    type: "string",
    choices: ["jupyter", "local", "subprocess"],
    defaultText: "jupyter if --jupyter-url, else local",
    help: "local: a long-lived --python per --kernel-scope, state kept; jupyter: a Jupyter " +
      "Server's kernel; subprocess: a fresh interpreter state per call",
    group: "python",
  },
  {
    name: "python",
    type: "string",
    defaultText: "python3",
    help: "interpreter of the local and subprocess executors",
    group: "python",
  },
  {
    name: "workspace-path",
    type: "string",
    defaultText: "/workspace if it exists, else ./workspace",
    help: "shared folder: the code's working directory, saved outputs, files",
    group: "python",
  },
  {
    name: "timeout",
    type: "integer",
    min: 1,
    max: 86400,
    defaultText: "120",
    help: "seconds one execution may run (wall clock) before it is interrupted",
    group: "python",
  },
  {
    name: "max-output",
    type: "integer",
    min: 200,
    max: 10_000_000,
    defaultText: "20000",
    help: "characters of output returned before head+tail truncation",
    group: "python",
  },
  {
    name: "max-executions",
    type: "integer",
    min: 1,
    max: 10000,
    defaultText: "64",
    help: "executions running or queued at once, all sessions (8 per session); past it: 429",
    group: "python",
  },
  {
    name: "memory-limit",
    type: "integer",
    min: 0,
    max: 16_777_216,
    defaultText: "4096",
    help: "MiB one subprocess/local execution may allocate (then MemoryError); 0: no ceiling",
    group: "python",
  },
  {
    name: "jupyter-url",
    type: "string",
    defaultText: "none",
    help: "Jupyter Server base URL, e.g. http://127.0.0.1:8888",
    group: "jupyter",
  },
  {
    name: "jupyter-token",
    type: "string",
    alsoEnv: ["JUPYTER_TOKEN"],
    defaultText: "$JUPYTER_TOKEN",
    help: "Jupyter Server token (prefer --jupyter-token-file)",
    group: "jupyter",
  },
  {
    name: "jupyter-token-file",
    type: "string",
    defaultText: "none",
    help: "file holding the Jupyter Server token",
    group: "jupyter",
  },
  {
    name: "kernel-name",
    type: "string",
    defaultText: "python3",
    help: "kernelspec to start",
    group: "jupyter",
  },
  {
    name: "kernel-scope",
    type: "string",
    choices: ["pod", "session"],
    defaultText: "pod",
    help: "pod: one kernel (jupyter) or interpreter (local) shared by every MCP session; " +
      "session: one per session",
    group: "python",
  },
  {
    name: "namespace",
    type: "list",
    defaultText: "own namespace",
    help: "namespaces the pod tools may read (repeatable)",
    group: "kubernetes",
  },
  {
    name: "kubeconfig",
    type: "string",
    defaultText: "in-cluster, else $KUBECONFIG, else ~/.kube/config",
    help: "kubeconfig file",
    group: "kubernetes",
  },
  {
    name: "context",
    type: "string",
    defaultText: "current",
    help: "kubeconfig context",
    group: "kubernetes",
  },
];

/** `workspace-path` → `SIDEKERNEL_WORKSPACE_PATH`. */
export function envName(flag: string): string {
  return "SIDEKERNEL_" + flag.toUpperCase().replaceAll("-", "_");
}

/** Every environment variable the flags read, for permission sets and docs. */
export function flagEnvNames(): string[] {
  return FLAGS.flatMap((f) => [envName(f.name), ...(f.alsoEnv ?? [])]);
}

/** Variables read besides the flags' own: downward API, in-cluster, kubeconfig, PATH. */
export const OTHER_ENV_NAMES: readonly string[] = [
  "POD_NAME",
  "POD_NAMESPACE",
  "KUBECONFIG",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
  "HOME",
  "PATH",
  // Read by the MCP SDK's dependencies at import.
  "NO_DEPRECATION",
  "TRACE_DEPRECATION",
];

/** Every environment variable sidekernel reads: the `env` entry of its permission set. */
export function programEnvNames(): string[] {
  return [...new Set([...flagEnvNames(), ...OTHER_ENV_NAMES])];
}
