/**
 * Flags + environment → one validated, frozen {@link Config}.
 * Precedence: defaults < `SIDEKERNEL_*` (and the few documented extra
 * variables) < flags. The defaults are the flag table's (`./flags.ts`), read
 * through `FlagValues`; none is written here. No other module reads flags or
 * the environment.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import type { LogLevel } from "../obs/log.ts";
import type { ToolsetName } from "./toolsets.ts";
import {
  type ChoiceOf,
  EXECUTIONS_PER_SESSION,
  flagSpec as flag,
  WORKSPACE_CANDIDATES,
} from "./flags.ts";
import { FlagValues } from "./values.ts";
import { UsageError } from "./errors.ts";

export { LOOPBACK_HOST_NAMES } from "./flags.ts";

/** `--kernel-scope`: one kernel for the pod, or one per MCP session. */
export type KernelScope = ChoiceOf<"kernel-scope">;

/**
 * How code runs; parsed once from `--executor` and friends. There is one
 * variant per `--executor` choice (`loadConfig()` does not compile otherwise).
 */
export type ExecutorConfig =
  | { kind: "subprocess"; python: string }
  | { kind: "local"; python: string; kernelScope: KernelScope }
  | {
    kind: "jupyter";
    /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8888`. */
    url: string;
    token?: string;
    kernelName: string;
    kernelScope: KernelScope;
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
  transport: ChoiceOf<"transport">;
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
  /** Executions at once in one session: `EXECUTIONS_PER_SESSION`, at most `maxExecutions`. */
  maxExecutionsPerSession: number;
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
  const values = FlagValues.read(args, sources.env);

  const transport = values.choice(flag("transport"));
  const host = values.textOr(flag("host"));
  const port = values.integer(flag("port"));
  const tokenFile = values.text(flag("auth-token-file"));
  const authToken = tokenFile === undefined
    ? undefined
    : readToken("auth-token-file", tokenFile, sources);
  if (transport === "http" && !isLoopback(host) && authToken === undefined) {
    throw new UsageError(
      "host",
      `--host "${host}" is not a loopback address, so anyone on the network could run code ` +
        `through sidekernel. Pass --auth-token-file FILE (clients then send ` +
        `"Authorization: Bearer <token>"), or bind to ${flag("host").default}.`,
    );
  }

  const jupyterUrl = values.text(flag("jupyter-url"));
  // The rule `--help` states as the executor's default: jupyter if --jupyter-url, else local.
  const executorKind = values.choice(flag("executor"), jupyterUrl ? "jupyter" : "local");
  const kernelScope = values.choice(flag("kernel-scope"));
  const python = () => nonEmpty("python", values.textOr(flag("python")));
  let executor: ExecutorConfig;
  switch (executorKind) {
    case "jupyter": {
      if (!jupyterUrl) {
        throw new UsageError(
          "jupyter-url",
          `--executor jupyter needs --jupyter-url, e.g. --jupyter-url http://127.0.0.1:8888`,
        );
      }
      const tokenPath = values.text(flag("jupyter-token-file"));
      executor = {
        kind: "jupyter",
        url: httpUrl("jupyter-url", jupyterUrl),
        token: tokenPath !== undefined
          ? readToken("jupyter-token-file", tokenPath, sources)
          : values.text(flag("jupyter-token")) || undefined,
        kernelName: nonEmpty("kernel-name", values.textOr(flag("kernel-name"))),
        kernelScope,
      };
      break;
    }
    case "local":
      executor = { kind: "local", python: python(), kernelScope };
      break;
    case "subprocess":
      executor = { kind: "subprocess", python: python() };
      break;
  }

  const workspaceFlag = values.text(flag("workspace-path"));
  const [inPod, local] = WORKSPACE_CANDIDATES;
  const workspacePath = workspaceFlag !== undefined
    ? resolve(sources.cwd, nonEmpty("workspace-path", workspaceFlag))
    : sources.isDirectory(inPod)
    ? inPod
    : resolve(sources.cwd, local);

  // Given host lists are checked names; the default applies only to a loopback bind.
  const hostList = (name: "allowed-hosts" | "allowed-origins") =>
    values.list(flag(name))?.map(hostName) ??
      (isLoopback(host) ? flag(name).default : undefined);

  const maxExecutions = values.integer(flag("max-executions"));
  const kubeconfig = values.text(flag("kubeconfig"));
  const config: Config = {
    transport,
    host,
    port,
    authToken,
    toolsets: values.choices(flag("toolsets")),
    logLevel: values.choice(flag("log-level")),
    executor,
    workspacePath,
    timeoutSeconds: values.integer(flag("timeout")),
    maxOutput: values.integer(flag("max-output")),
    maxExecutions,
    maxExecutionsPerSession: Math.min(EXECUTIONS_PER_SESSION, maxExecutions),
    memoryLimitMiB: values.integer(flag("memory-limit")),
    maxSessions: values.integer(flag("max-sessions")),
    sessionIdleSeconds: values.integer(flag("session-idle-timeout")),
    shutdownGraceSeconds: values.integer(flag("shutdown-grace")),
    callTimeoutSeconds: values.integer(flag("call-timeout")),
    resumeTimeoutSeconds: values.integer(flag("resume-timeout")),
    debugFaults: values.choice(flag("debug-faults")) === "on",
    allowedHosts: hostList("allowed-hosts"),
    allowedOrigins: hostList("allowed-origins"),
    kube: {
      namespaces: (values.list(flag("namespace")) ?? []).map(namespaceName),
      kubeconfig: kubeconfig ? resolveHome(kubeconfig, sources) : undefined,
      kubeconfigEnv: sources.env("KUBECONFIG") || undefined,
      context: values.text(flag("context")) || undefined,
      podName: sources.env("POD_NAME") || undefined,
      podNamespace: sources.env("POD_NAMESPACE") || undefined,
      serviceHost: sources.env("KUBERNETES_SERVICE_HOST") || undefined,
      servicePort: sources.env("KUBERNETES_SERVICE_PORT") || undefined,
      home: sources.env("HOME") || undefined,
    },
  };
  return deepFreeze(config);
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
