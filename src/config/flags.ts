/**
 * The flags of `sidekernel serve`: one table that drives parsing, environment
 * variables (`--workspace-path` ↔ `SIDEKERNEL_WORKSPACE_PATH`), defaults and
 * `--help`. Each default is written once, here, as the value `loadConfig()`
 * uses (a number for an integer flag, a list for a list flag); `--help`
 * prints it from the same entry (README.md, "Command line").
 *
 * @module
 */
import { LOG_LEVELS } from "../obs/log.ts";
import { TOOLSET_NAMES, TOOLSETS } from "./toolsets.ts";
import { flagEnvNamesOf, type FlagSpec } from "./flag_spec.ts";

export { envName } from "./flag_spec.ts";
export type { FlagSpec } from "./flag_spec.ts";

/** Names a browser on the same machine uses for a loopback server. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Where the workspace is when `--workspace-path` is not given: the first, if
 * it is a directory, else the second (relative to the working directory).
 */
export const WORKSPACE_CANDIDATES = ["/workspace", "./workspace"] as const;

/** Executions one MCP session may have running or queued, within `--max-executions`. */
export const EXECUTIONS_PER_SESSION = 8;

/**
 * The table, typed with its literal names, choices and defaults: {@link flagSpec}
 * hands out one entry so typed (`flagSpec("transport").choices` is
 * `readonly ["http", "stdio"]`).
 */
const TABLE = [
  {
    name: "transport",
    type: "string",
    choices: ["http", "stdio"],
    default: "http",
    help: "stdio for desktop MCP clients; http serves /mcp, /sse and /python/*",
    group: "server",
  },
  {
    name: "host",
    type: "string",
    default: "127.0.0.1",
    help: "bind address; a non-loopback host requires --auth-token-file",
    group: "server",
  },
  {
    name: "port",
    type: "integer",
    min: 0,
    max: 65535,
    default: 8000,
    help: "TCP port (0 picks a free one and logs it)",
    group: "server",
  },
  {
    name: "auth-token-file",
    type: "string",
    help: "file holding the bearer token every HTTP MCP request must send",
    group: "server",
  },
  {
    name: "toolsets",
    type: "list",
    choices: TOOLSET_NAMES,
    default: TOOLSET_NAMES,
    help: `tool groups to serve: ${
      TOOLSET_NAMES.map((name) => `${name} (${TOOLSETS[name].description})`).join(", ")
    }; pods is left out when no cluster config exists`,
    group: "server",
  },
  {
    name: "log-level",
    type: "string",
    choices: LOG_LEVELS,
    default: "info",
    help: "JSON lines on stderr",
    group: "server",
  },
  {
    name: "allowed-hosts",
    type: "list",
    default: LOOPBACK_HOST_NAMES,
    defaultNote: "on loopback binds, else any",
    help: "Host header names accepted on MCP paths (DNS-rebinding guard)",
    group: "server",
  },
  {
    name: "allowed-origins",
    type: "list",
    default: LOOPBACK_HOST_NAMES,
    defaultNote: "on loopback binds, else any",
    help: "Origin host names accepted on MCP paths (requests without Origin pass)",
    group: "server",
  },
  {
    name: "max-sessions",
    type: "integer",
    min: 1,
    max: 100000,
    default: 500,
    help: "open MCP sessions at most; past it new sessions get 503 with Retry-After",
    group: "server",
  },
  {
    name: "session-idle-timeout",
    type: "integer",
    min: 1,
    max: 604800,
    default: 1800,
    help: "seconds without a request after which an MCP session is closed",
    group: "server",
  },
  {
    name: "shutdown-grace",
    type: "integer",
    min: 0,
    max: 3600,
    default: 20,
    help: "seconds running executions may finish after SIGTERM (keep below the pod's 30 s)",
    group: "server",
  },
  {
    name: "call-timeout",
    type: "integer",
    min: 1,
    max: 3600,
    default: 30,
    help: "seconds any request but python (pod tools, resources/read) may take; then an error",
    group: "server",
  },
  {
    name: "resume-timeout",
    type: "integer",
    min: 1,
    max: 3600,
    default: 60,
    help: "seconds a call whose Streamable HTTP connection dropped waits for a resume " +
      "(Last-Event-ID); then it is cancelled",
    group: "server",
  },
  {
    name: "debug-faults",
    type: "string",
    choices: ["off", "on"],
    default: "off",
    help: "tests only: add tools that pin the event loop or block file I/O (refused when compiled)",
    group: "server",
  },
  {
    name: "executor",
    type: "string",
    choices: ["jupyter", "local", "subprocess"],
    defaultNote: "jupyter if --jupyter-url, else local",
    help: "local: a long-lived --python per --kernel-scope, state kept; jupyter: a Jupyter " +
      "Server's kernel; subprocess: a fresh interpreter state per call",
    group: "python",
  },
  {
    name: "python",
    type: "string",
    default: "python3",
    help: "interpreter of the local and subprocess executors",
    group: "python",
  },
  {
    name: "workspace-path",
    type: "string",
    defaultNote: `${WORKSPACE_CANDIDATES[0]} if it exists, else ${WORKSPACE_CANDIDATES[1]}`,
    help: "shared folder: the code's working directory, saved outputs, files",
    group: "python",
  },
  {
    name: "timeout",
    type: "integer",
    min: 1,
    max: 86400,
    default: 120,
    help: "seconds one execution may run (wall clock) before it is interrupted",
    group: "python",
  },
  {
    name: "max-output",
    type: "integer",
    min: 200,
    max: 10_000_000,
    default: 20000,
    help: "characters of output returned before head+tail truncation",
    group: "python",
  },
  {
    name: "max-executions",
    type: "integer",
    min: 1,
    max: 10000,
    default: 64,
    help: `executions running or queued at once in all sessions, at most ` +
      `${EXECUTIONS_PER_SESSION} in one; past it: 429`,
    group: "python",
  },
  {
    name: "memory-limit",
    type: "integer",
    min: 0,
    max: 16_777_216,
    default: 4096,
    help: "MiB one subprocess/local execution may allocate (then MemoryError); 0: no ceiling",
    group: "python",
  },
  {
    name: "kernel-scope",
    type: "string",
    choices: ["pod", "session"],
    default: "pod",
    help: "pod: one kernel (jupyter) or interpreter (local) shared by every MCP session; " +
      "session: one per session",
    group: "python",
  },
  {
    name: "jupyter-url",
    type: "string",
    help: "Jupyter Server base URL, e.g. http://127.0.0.1:8888",
    group: "jupyter",
  },
  {
    name: "jupyter-token",
    type: "string",
    alsoEnv: ["JUPYTER_TOKEN"],
    help: "Jupyter Server token (prefer --jupyter-token-file)",
    group: "jupyter",
  },
  {
    name: "jupyter-token-file",
    type: "string",
    help: "file holding the Jupyter Server token",
    group: "jupyter",
  },
  {
    name: "kernel-name",
    type: "string",
    default: "python3",
    help: "kernelspec to start",
    group: "jupyter",
  },
  {
    name: "namespace",
    type: "list",
    defaultNote: "own namespace",
    help: "namespaces the pod tools may read (repeatable)",
    group: "kubernetes",
  },
  {
    name: "kubeconfig",
    type: "string",
    defaultNote: "in-cluster, else $KUBECONFIG, else ~/.kube/config",
    help: "kubeconfig file",
    group: "kubernetes",
  },
  {
    name: "context",
    type: "string",
    defaultNote: "current",
    help: "kubeconfig context",
    group: "kubernetes",
  },
] as const satisfies readonly FlagSpec[];

/** Every flag of `sidekernel serve`, in help order. */
export const FLAGS: readonly FlagSpec[] = TABLE;

/** A flag name of {@link FLAGS}, e.g. `"workspace-path"`. */
export type FlagName = typeof TABLE[number]["name"];

/** The {@link FLAGS} entry of flag `N`, with its literal choices and default. */
export type FlagOf<N extends FlagName> = Extract<typeof TABLE[number], { readonly name: N }>;

/** The values a flag with choices accepts: `ChoiceOf<"kernel-scope">` is `"pod" | "session"`. */
export type ChoiceOf<N extends FlagName> = FlagOf<N> extends
  { readonly choices: readonly (infer C)[] } ? C : never;

/**
 * The {@link FLAGS} entry of a flag.
 *
 * @param name the flag without dashes
 * @returns the entry, typed so that its `choices` and `default` keep their literal types
 * @example
 * ```ts
 * flagSpec("timeout").default; // 120
 * ```
 */
export function flagSpec<N extends FlagName>(name: N): FlagOf<N> {
  const spec = TABLE.find((f): f is FlagOf<N> => f.name === name);
  if (!spec) throw new Error(`no flag "${name}" in FLAGS`);
  return spec;
}

/** Every environment variable the flags read, for permission sets and docs. */
export function flagEnvNames(): string[] {
  return FLAGS.flatMap(flagEnvNamesOf);
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
