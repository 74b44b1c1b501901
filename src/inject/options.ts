/**
 * The flags of `sidekernel inject` → one validated {@link InjectOptions}.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../config/errors.ts";
import { VERSION } from "../version.ts";

/** Everything that decides what `inject` adds. */
export interface InjectOptions {
  /** `-f`: a file path, or `-` for stdin. */
  file: string;
  /** Container image of the sidecar. */
  image: string;
  /** Port the sidecar serves MCP and its probes on. */
  port: number;
  /** Jupyter Server URL as seen from the sidecar. */
  jupyterUrl: string;
  /** Volume to mount at `/workspace`; added as an emptyDir when the pod lacks it. */
  workspaceVolume: string;
  /** True when `--workspace-volume` was given: the volume must already exist. */
  workspaceVolumeGiven: boolean;
  /** Secret holding the sidekernel bearer token (key `token`). */
  authSecret: string;
  /** Secret holding the Jupyter Server token (key `token`). */
  jupyterSecret: string;
  /** ServiceAccount set on pods that name none. */
  serviceAccount: string;
}

/** The image `inject` uses when `--image` is not given. */
export const DEFAULT_IMAGE = `ghcr.io/sidekernel/sidekernel:${VERSION}`;

const FLAGS = {
  file: { type: "string", short: "f" },
  image: { type: "string" },
  port: { type: "string" },
  "jupyter-url": { type: "string" },
  "workspace-volume": { type: "string" },
  "auth-secret": { type: "string" },
  "jupyter-secret": { type: "string" },
  "service-account": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `--help` was asked for: print the help and exit 0. */
export type ParsedInjectArgs = { help: true } | { help: false; options: InjectOptions };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Parses the arguments after `inject`.
 *
 * @throws {UsageError} naming the flag; callers exit 2.
 * @example
 * ```ts
 * const parsed = parseInjectArgs(["-f", "pod.yaml", "--port", "9000"]);
 * ```
 */
export function parseInjectArgs(args: string[]): ParsedInjectArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
    const code = (error as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(flag.replace(/^-+/, ""), `unknown flag "${flag}"; see inject --help`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const word = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new UsageError("f", `unexpected argument "${word}": pass the file as -f ${word}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(flag.replace(/^-+/, ""), `flag "${flag}" needs a value`);
    }
    throw new UsageError("", message, { cause: error });
  }
  if (values.help) return { help: true };
  const str = (name: keyof typeof FLAGS) => values[name] as string | undefined;

  const file = str("file");
  if (file === undefined || file === "") {
    throw new UsageError("f", `-f FILE is required (use -f - to read stdin)`);
  }
  const image = str("image") ?? DEFAULT_IMAGE;
  if (image.trim() === "" || /\s/.test(image)) {
    throw new UsageError("image", `--image "${image}" is not an image reference`);
  }
  const portText = str("port") ?? "8000";
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError("port", `--port "${portText}" is not a whole number from 1 to 65535`);
  }
  const jupyterUrl = str("jupyter-url") ?? "http://127.0.0.1:8888";
  let url: URL | undefined;
  try {
    url = new URL(jupyterUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(
      "jupyter-url",
      `--jupyter-url "${jupyterUrl}" is not an http(s) URL, e.g. http://127.0.0.1:8888`,
    );
  }
  const name = (flag: keyof typeof FLAGS, fallback: string, pattern: RegExp, what: string) => {
    const value = str(flag) ?? fallback;
    if (!pattern.test(value)) {
      throw new UsageError(flag, `--${flag} "${value}" is not a valid ${what} name`);
    }
    return value;
  };
  return {
    help: false,
    options: {
      file,
      image,
      port,
      jupyterUrl,
      workspaceVolume: name("workspace-volume", "workspace", DNS_LABEL, "volume"),
      workspaceVolumeGiven: str("workspace-volume") !== undefined,
      authSecret: name("auth-secret", "sidekernel-token", DNS_SUBDOMAIN, "Secret"),
      jupyterSecret: name("jupyter-secret", "jupyter-token", DNS_SUBDOMAIN, "Secret"),
      serviceAccount: name("service-account", "sidekernel", DNS_SUBDOMAIN, "ServiceAccount"),
    },
  };
}
