/**
 * Flags + environment → one validated, frozen {@link Config}.
 * Precedence: defaults < `SIDEKERNEL_*` (and the few documented extra
 * variables) < flags. No other module reads flags or the environment.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isAbsolute, resolve } from "node:path";
import type { LogLevel } from "../obs/log.ts";
import { isToolsetName, TOOLSET_NAMES, type ToolsetName } from "./toolsets.ts";
import { envName, FLAGS, type FlagSpec } from "./flags.ts";
import { UsageError } from "./errors.ts";

/** How code runs; parsed once from `--executor` and friends. */
export type ExecutorConfig =
  | { kind: "subprocess"; python: string }
  | { kind: "local"; python: string; kernelScope: "pod" | "session" }
  | {
    kind: "jupyter";
    /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8888`. */
    url: string;
    token?: string;
    kernelName: string;
    kernelScope: "pod" | "session";
  };

/** Where the pod tools look, and with which credentials. */
export interface KubeConfig {
  /** `--namespace`; empty means "the own namespace". */
  namespaces: readonly string[];
  /** `--kubeconfig`: wins over the in-cluster config. */
  kubeconfig?: string;
  /** `KUBECONFIG`: used when not in a cluster. */
  kubeconfigEnv?: string;
  context?: string;
  /** `POD_NAME` from the downward API: the default of `pods_get`. */
  podName?: string;
  /** `POD_NAMESPACE` from the downward API. */
  podNamespace?: string;
  /** `KUBERNETES_SERVICE_HOST`/`_PORT`, set in every pod. */
  serviceHost?: string;
  servicePort?: string;
  /** `HOME`, for `~/.kube/config`. */
  home?: string;
}

/** The whole validated configuration of `sidekernel serve`. */
export interface Config {
  transport: "http" | "stdio";
  host: string;
  port: number;
  /** Bearer token read from `--auth-token-file`; HTTP MCP paths require it when set. */
  authToken?: string;
  toolsets: readonly ToolsetName[];
  logLevel: LogLevel;
  executor: ExecutorConfig;
  /** Absolute path of the shared workspace. */
  workspacePath: string;
  timeoutSeconds: number;
  maxOutput: number;
  /** Executions at once, all sessions together. */
  maxExecutions: number;
  /** `--memory-limit`: MiB one subprocess/local execution may allocate; 0 = no ceiling. */
  memoryLimitMiB: number;
  maxSessions: number;
  sessionIdleSeconds: number;
  shutdownGraceSeconds: number;
  /** `--call-timeout`: the time budget of every request but python's. */
  callTimeoutSeconds: number;
  /** `--resume-timeout`: how long a dropped Streamable HTTP call waits for a resume. */
  resumeTimeoutSeconds: number;
  /** `--debug-faults on`: serve the fault tools of src/server/debug_faults.ts (tests only). */
  debugFaults: boolean;
  /** Host names accepted in `Host`; undefined = any. */
  allowedHosts?: readonly string[];
  /** Host names accepted in `Origin`; undefined = any. */
  allowedOrigins?: readonly string[];
  kube: KubeConfig;
}

/** What {@link loadConfig} may touch of the outside world (injectable for tests). */
export interface ConfigSources {
  env: (name: string) => string | undefined;
  readTextFile: (path: string) => string;
  isDirectory: (path: string) => boolean;
  cwd: string;
}

/**
 * Parses `serve` arguments and the environment into a frozen {@link Config}.
 *
 * @param args arguments after the command word, e.g. `["--port", "9000"]`
 * @throws {UsageError} naming the flag and the accepted values; callers exit 2.
 * @example
 * ```ts
 * const config = loadConfig(["--transport", "stdio"], denoSources());
 * ```
 */
export function loadConfig(args: string[], sources: ConfigSources): Config {
  const raw = readRaw(args, sources.env);
  const str = (name: string) => raw.get(name)?.[0];

  const transport = choice(FLAG("transport"), str("transport") ?? "http") as Config["transport"];
  const host = str("host") ?? "127.0.0.1";
  const port = integer(FLAG("port"), str("port") ?? "8000");
  const tokenFile = str("auth-token-file");
  const authToken = tokenFile === undefined
    ? undefined
    : readToken("auth-token-file", tokenFile, sources);
  if (transport === "http" && !isLoopback(host) && authToken === undefined) {
    throw new UsageError(
      "host",
      `--host "${host}" is not a loopback address, so anyone on the network could run code ` +
        `through sidekernel. Pass --auth-token-file FILE (clients then send ` +
        `"Authorization: Bearer <token>"), or bind to 127.0.0.1.`,
    );
  }

  const jupyterUrl = str("jupyter-url");
  const executorKind = choice(
    FLAG("executor"),
    str("executor") ?? (jupyterUrl ? "jupyter" : "local"),
  ) as ExecutorConfig["kind"];
  let executor: ExecutorConfig;
  if (executorKind === "jupyter") {
    if (!jupyterUrl) {
      throw new UsageError(
        "jupyter-url",
        `--executor jupyter needs --jupyter-url, e.g. --jupyter-url http://127.0.0.1:8888`,
      );
    }
    const tokenPath = str("jupyter-token-file");
    executor = {
      kind: "jupyter",
      url: httpUrl("jupyter-url", jupyterUrl),
      token: tokenPath !== undefined
        ? readToken("jupyter-token-file", tokenPath, sources)
        : str("jupyter-token") || undefined,
      kernelName: nonEmpty("kernel-name", str("kernel-name") ?? "python3"),
      kernelScope: choice(FLAG("kernel-scope"), str("kernel-scope") ?? "pod") as
        | "pod"
        | "session",
    };
  } else if (executorKind === "local") {
    executor = {
      kind: "local",
      python: nonEmpty("python", str("python") ?? "python3"),
      kernelScope: choice(FLAG("kernel-scope"), str("kernel-scope") ?? "pod") as
        | "pod"
        | "session",
    };
  } else {
    executor = { kind: "subprocess", python: nonEmpty("python", str("python") ?? "python3") };
  }

  const workspaceFlag = str("workspace-path");
  const workspacePath = workspaceFlag !== undefined
    ? resolve(sources.cwd, nonEmpty("workspace-path", workspaceFlag))
    : sources.isDirectory("/workspace")
    ? "/workspace"
    : resolve(sources.cwd, "workspace");

  const toolsetList = raw.get("toolsets") ?? TOOLSET_NAMES;
  const toolsets = [
    ...new Set(toolsetList.map((t) => choice(FLAG("toolsets"), t)).filter(isToolsetName)),
  ];

  const kubeconfig = str("kubeconfig");
  const config: Config = {
    transport,
    host,
    port,
    authToken,
    toolsets,
    logLevel: choice(FLAG("log-level"), str("log-level") ?? "info") as LogLevel,
    executor,
    workspacePath,
    timeoutSeconds: integer(FLAG("timeout"), str("timeout") ?? "120"),
    maxOutput: integer(FLAG("max-output"), str("max-output") ?? "20000"),
    maxExecutions: integer(FLAG("max-executions"), str("max-executions") ?? "64"),
    memoryLimitMiB: integer(FLAG("memory-limit"), str("memory-limit") ?? "4096"),
    maxSessions: integer(FLAG("max-sessions"), str("max-sessions") ?? "500"),
    sessionIdleSeconds: integer(
      FLAG("session-idle-timeout"),
      str("session-idle-timeout") ?? "1800",
    ),
    shutdownGraceSeconds: integer(FLAG("shutdown-grace"), str("shutdown-grace") ?? "20"),
    callTimeoutSeconds: integer(FLAG("call-timeout"), str("call-timeout") ?? "30"),
    resumeTimeoutSeconds: integer(FLAG("resume-timeout"), str("resume-timeout") ?? "60"),
    debugFaults: choice(FLAG("debug-faults"), str("debug-faults") ?? "off") === "on",
    allowedHosts: raw.get("allowed-hosts")?.map(hostName) ??
      (isLoopback(host) ? LOOPBACK_HOST_NAMES : undefined),
    allowedOrigins: raw.get("allowed-origins")?.map(hostName) ??
      (isLoopback(host) ? LOOPBACK_HOST_NAMES : undefined),
    kube: {
      namespaces: (raw.get("namespace") ?? []).map(namespaceName),
      kubeconfig: kubeconfig ? resolveHome(kubeconfig, sources) : undefined,
      kubeconfigEnv: sources.env("KUBECONFIG") || undefined,
      context: str("context") || undefined,
      podName: sources.env("POD_NAME") || undefined,
      podNamespace: sources.env("POD_NAMESPACE") || undefined,
      serviceHost: sources.env("KUBERNETES_SERVICE_HOST") || undefined,
      servicePort: sources.env("KUBERNETES_SERVICE_PORT") || undefined,
      home: sources.env("HOME") || undefined,
    },
  };
  return deepFreeze(config);
}

/** Reads flags, then environment variables for the flags not given. Lists split on commas. */
function readRaw(
  args: string[],
  env: (name: string) => string | undefined,
): Map<string, string[]> {
  const options: Record<string, { type: "string"; multiple?: boolean }> = {};
  for (const f of FLAGS) options[f.name] = { type: "string", multiple: f.type === "list" };
  let values: Record<string, string | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw parseArgsError(error);
  }
  const raw = new Map<string, string[]>();
  for (const f of FLAGS) {
    const given = values[f.name];
    if (given !== undefined) {
      const list = Array.isArray(given) ? given : [given];
      raw.set(f.name, f.type === "list" ? list.flatMap(splitList) : list);
      continue;
    }
    for (const name of [envName(f.name), ...(f.alsoEnv ?? [])]) {
      const value = env(name);
      if (value === undefined || value === "") continue;
      raw.set(f.name, f.type === "list" ? splitList(value) : [value]);
      break;
    }
  }
  return raw;
}

function parseArgsError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  const name = flag.replace(/^-+/, "");
  const code = (error as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(
      name,
      `unknown flag "${flag}"; run "sidekernel serve --help" for the list`,
    );
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const word = /'([^']*)'/.exec(message)?.[1] ?? "";
    return new UsageError("", `unexpected argument "${word}": serve takes only --flags`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return new UsageError(name, `flag "${flag}" needs a value, e.g. ${flag}=VALUE`);
  }
  return new UsageError(name, message);
}

function FLAG(name: string): FlagSpec {
  const spec = FLAGS.find((f) => f.name === name);
  if (!spec) throw new Error(`no flag "${name}" in FLAGS`);
  return spec;
}

function choice(spec: FlagSpec, value: string): string {
  if (spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(
      spec.name,
      `--${spec.name} "${value}" is not one of: ${spec.choices.join(", ")}`,
    );
  }
  return value;
}

function integer(spec: FlagSpec, value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      spec.name,
      `--${spec.name} "${value}" is not a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === "") throw new UsageError(flag, `--${flag} must not be empty`);
  return value;
}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(flag, `--${flag} "${value}" is not a URL, e.g. http://127.0.0.1:8888`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(flag, `--${flag} "${value}" must start with http:// or https://`);
  }
  return url.href.replace(/\/+$/, "");
}

function readToken(flag: string, path: string, sources: ConfigSources): string {
  let text: string;
  try {
    text = sources.readTextFile(path);
  } catch (error) {
    const why = error instanceof Error ? error.name : "unreadable";
    throw new UsageError(flag, `--${flag} "${path}" cannot be read (${why}); pass a readable file`);
  }
  const token = text.trim();
  if (token === "") throw new UsageError(flag, `--${flag} "${path}" is empty; put the token in it`);
  return token;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function namespaceName(value: string): string {
  if (!DNS_LABEL.test(value)) {
    throw new UsageError(
      "namespace",
      `--namespace "${value}" is not a namespace name (lower-case letters, digits, "-", at most 63)`,
    );
  }
  return value;
}

function resolveHome(path: string, sources: ConfigSources): string {
  const home = sources.env("HOME");
  if (path.startsWith("~/") && home) return resolve(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(sources.cwd, path);
}

function splitList(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Names a browser on the same machine uses for a loopback server. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** `Example.COM` → `example.com`; an IPv6 address in brackets. */
function hostName(value: string): string {
  const h = value.trim().toLowerCase();
  return h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
