/**
 * The injection flags, shared by `sidekernel inject` and `sidekernel webhook`,
 * → one validated {@link InjectOptions}. A command with flags of its own passes
 * them as `extraFlags` and gets their raw values back.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../config/errors.ts";
import { VERSION } from "../version.ts";

/** A key of a Secret: `NAME/KEY`. */
export interface SecretKey {
  /** Secret name. */
  name: string;
  /** Key inside the Secret. */
  key: string;
}

/** Where the sidecar goes: a native sidecar (init container, `restartPolicy: Always`) or a container. */
export type SidecarMode = "native" | "container";
/** What happens to the Kubernetes API token of the kernel's (Jupyter's) container. */
export type KernelToken = "remove" | "keep";

/** Everything that decides what the injection adds; pod annotations override these. */
export interface InjectOptions {
  /** Container image of the sidecar. */
  image: string;
  /** `--sidecar-port`: port of MCP and the probes; `undefined`: the first port from 8000 no container uses. */
  port?: number;
  /** Name of the Jupyter container; `undefined`: detected. */
  jupyterContainer?: string;
  /** Jupyter URL as the sidecar sees it; `undefined`: read from the pod. */
  jupyterUrl?: string;
  /** Secret key with Jupyter's token, or `"none"` (no token); `undefined`: read from the pod. */
  jupyterTokenSecret?: SecretKey | "none";
  /** Jupyter's root dir, shared with the sidecar; `undefined`: read from the pod. */
  workspacePath?: string;
  /** Namespaces the pod tools may read; empty: the pod's own. */
  namespaces: string[];
  /** Secret (key `token`) with the bearer token MCP clients send. */
  authSecret: string;
  /** ServiceAccount to set on the pod; `undefined`: keep the pod's own. */
  serviceAccount?: string;
  /** Native sidecar (default) or a regular container. */
  sidecarMode: SidecarMode;
  /** Remove (default) or keep the API token in the kernel's container. */
  kernelToken: KernelToken;
  /** Inject even where it is refused (a regular-container sidecar in a Job). */
  force: boolean;
}

/** The image used when `--image` is not given. */
export const DEFAULT_IMAGE = `ghcr.io/sidekernel/sidekernel:${VERSION}`;

/** The options when no flag is given. */
export const DEFAULT_INJECT_OPTIONS: Readonly<InjectOptions> = Object.freeze({
  image: DEFAULT_IMAGE,
  namespaces: [],
  authSecret: "sidekernel-token",
  sidecarMode: "native",
  kernelToken: "remove",
  force: false,
});

/** The injection flags, in `node:util` `parseArgs` form (for `--help` and reuse). */
export const INJECT_FLAGS = {
  image: { type: "string" },
  "sidecar-port": { type: "string" },
  "jupyter-container": { type: "string" },
  "jupyter-url": { type: "string" },
  "jupyter-token-secret": { type: "string" },
  "workspace-path": { type: "string" },
  namespace: { type: "string", multiple: true },
  "auth-secret": { type: "string" },
  "service-account": { type: "string" },
  "sidecar-mode": { type: "string" },
  "kernel-token": { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** Raw values of the caller's own flags, by name. */
export type ExtraValues = Record<string, string | boolean | string[] | undefined>;

/** The result of {@link parseInjectFlags}. */
export interface ParsedInjectFlags {
  /** `--help` was given: print the help, exit 0 (`options` holds the defaults). */
  help: boolean;
  /** The validated injection options. */
  options: InjectOptions;
  /** Values of `extraFlags`, unvalidated. */
  extra: ExtraValues;
}

/** A DNS-1123 subdomain (Secret, ServiceAccount names). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A DNS-1123 label (container, volume, namespace names). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Secret key (`[-._a-zA-Z0-9]+`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * Parses the injection flags plus `extraFlags` (the caller's own, e.g. `-f`).
 *
 * @throws {UsageError} naming the flag and the accepted values; callers exit 2.
 * @example
 * ```ts
 * const { options, extra } = parseInjectFlags(["-f", "pod.yaml", "--sidecar-port", "9000"], {
 *   file: { type: "string", short: "f" },
 * });
 * ```
 */
export function parseInjectFlags(
  args: string[],
  extraFlags: ParseArgsOptionsConfig = {},
): ParsedInjectFlags {
  let values: ExtraValues;
  try {
    ({ values } = parseArgs({
      args,
      options: { ...extraFlags, ...INJECT_FLAGS },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw argsError(error);
  }
  const extra: ExtraValues = {};
  for (const name of Object.keys(extraFlags)) extra[name] = values[name];
  if (values.help) return { help: true, options: { ...DEFAULT_INJECT_OPTIONS }, extra };
  return { help: false, options: validate(values), extra };
}

/**
 * Checks one annotation-or-flag value the same way the flag is checked.
 *
 * @returns the parsed value, or a message naming what was wanted
 */
export function parseSecretKey(text: string): SecretKey | "none" | string {
  if (text === "none") return "none";
  const [name, key, more] = text.split("/");
  if (more !== undefined || !name || !key || !DNS_SUBDOMAIN.test(name) || !SECRET_KEY.test(key)) {
    return `"${text}" is not NAME/KEY (a Secret name and key, e.g. jupyter-token/token) or "none"`;
  }
  return { name, key };
}

/** Checks a Jupyter URL; returns an error message or `undefined`. */
export function checkUrl(text: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === "http:" || url.protocol === "https:")) return undefined;
  return `"${text}" is not an http(s) URL, e.g. http://127.0.0.1:8888/user/alice/`;
}

/** Checks a port; returns it, or an error message. */
export function parsePort(text: string): number | string {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return port;
  return `"${text}" is not a whole number from 1 to 65535`;
}

function validate(values: ExtraValues): InjectOptions {
  const str = (name: keyof typeof INJECT_FLAGS) => values[name] as string | undefined;
  const fail = (flag: string, detail: string): never => {
    throw new UsageError(flag, `--${flag} ${detail}`);
  };
  const options: InjectOptions = { ...DEFAULT_INJECT_OPTIONS, namespaces: [] };
  const image = str("image");
  if (image !== undefined) {
    if (image.trim() === "" || /\s/.test(image)) fail("image", `"${image}" is not an image`);
    options.image = image;
  }
  const port = str("sidecar-port");
  if (port !== undefined) {
    const parsed = parsePort(port);
    options.port = typeof parsed === "number" ? parsed : fail("sidecar-port", parsed);
  }
  const name = (flag: keyof typeof INJECT_FLAGS, pattern: RegExp, what: string) => {
    const value = str(flag);
    if (value !== undefined && !pattern.test(value)) {
      fail(flag, `"${value}" is not a valid ${what} name (lower-case letters, digits, "-")`);
    }
    return value;
  };
  options.jupyterContainer = name("jupyter-container", DNS_LABEL, "container");
  const url = str("jupyter-url");
  if (url !== undefined) {
    const problem = checkUrl(url);
    if (problem) fail("jupyter-url", problem);
    options.jupyterUrl = url;
  }
  const secret = str("jupyter-token-secret");
  if (secret !== undefined) {
    const parsed = parseSecretKey(secret);
    options.jupyterTokenSecret = typeof parsed === "string" && parsed !== "none"
      ? fail("jupyter-token-secret", parsed)
      : parsed as SecretKey | "none";
  }
  const path = str("workspace-path");
  if (path !== undefined) {
    if (!path.startsWith("/")) fail("workspace-path", `"${path}" is not an absolute path`);
    options.workspacePath = path;
  }
  for (const ns of (values.namespace as string[] | undefined) ?? []) {
    for (const one of ns.split(",")) {
      if (!DNS_LABEL.test(one)) fail("namespace", `"${one}" is not a namespace name`);
      options.namespaces.push(one);
    }
  }
  options.authSecret = name("auth-secret", DNS_SUBDOMAIN, "Secret") ?? options.authSecret;
  options.serviceAccount = name("service-account", DNS_SUBDOMAIN, "ServiceAccount");
  const mode = str("sidecar-mode");
  if (mode !== undefined) {
    if (mode !== "native" && mode !== "container") {
      fail("sidecar-mode", `"${mode}" is not one of: native, container`);
    }
    options.sidecarMode = mode as SidecarMode;
  }
  const kernel = str("kernel-token");
  if (kernel !== undefined) {
    if (kernel !== "remove" && kernel !== "keep") {
      fail("kernel-token", `"${kernel}" is not one of: remove, keep`);
    }
    options.kernelToken = kernel as KernelToken;
  }
  options.force = values.force === true;
  return options;
}

function argsError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  const code = (error as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(flag.replace(/^-+/, ""), `unknown flag "${flag}"; see --help`);
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const word = /'([^']*)'/.exec(message)?.[1] ?? "";
    return new UsageError("f", `unexpected argument "${word}": pass a file as -f ${word}`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return new UsageError(flag.replace(/^-+/, ""), `flag "${flag}" needs a value`);
  }
  return new UsageError("", message, { cause: error });
}
