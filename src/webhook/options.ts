/**
 * The flags of `sidekernel webhook` → one validated {@link WebhookOptions}:
 * its own (TLS files, address, reload interval, grace) plus the injection
 * flags of `inject`, which become the cluster-wide defaults.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../config/errors.ts";
import { type InjectOptions, parseInjectFlags } from "../inject/core.ts";
import { LOG_LEVELS, type LogLevel } from "../obs/log.ts";

/** Everything `sidekernel webhook` runs with. */
export interface WebhookOptions {
  /** Absolute path of the PEM certificate chain. */
  certFile: string;
  /** Absolute path of the PEM private key. */
  keyFile: string;
  /** Bind address. @default "0.0.0.0" */
  host: string;
  /** Port; 0 picks a free one. @default 8443 */
  port: number;
  logLevel: LogLevel;
  /** How often the two files are checked for a change, in milliseconds. @default 10000 */
  reloadIntervalMs: number;
  /** How long requests in flight may finish after SIGTERM, in milliseconds. @default 10000 */
  shutdownGraceMs: number;
  /** The injection defaults. */
  inject: InjectOptions;
}

/** The webhook's own flags, in `node:util` `parseArgs` form. */
export const WEBHOOK_FLAGS = {
  "tls-cert-file": { type: "string" },
  "tls-key-file": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "log-level": { type: "string" },
  "tls-reload-interval": { type: "string" },
  "shutdown-grace": { type: "string" },
} as const;

/** `--help` was asked for, or the options to run with. */
export type ParsedWebhookArgs = { help: true } | { help: false; options: WebhookOptions };

/**
 * Parses the arguments after `webhook`.
 *
 * @param cwd relative file paths are resolved against it
 * @throws {UsageError} naming the flag; callers exit 2
 * @example
 * ```ts
 * parseWebhookArgs(["--tls-cert-file", "tls.crt", "--tls-key-file", "tls.key"], "/certs");
 * ```
 */
export function parseWebhookArgs(args: string[], cwd: string): ParsedWebhookArgs {
  let parsed;
  try {
    parsed = parseInjectFlags(args, WEBHOOK_FLAGS);
  } catch (error) {
    if (error instanceof UsageError && error.flag === "f") {
      throw new UsageError(
        "",
        `${error.message.split(":")[0]}: the webhook takes only flags (see webhook --help)`,
        { cause: error },
      );
    }
    throw error;
  }
  if (parsed.help) return { help: true };
  const str = (name: keyof typeof WEBHOOK_FLAGS) => parsed.extra[name] as string | undefined;
  const file = (name: "tls-cert-file" | "tls-key-file") => {
    const value = str(name);
    if (value === undefined || value === "") {
      throw new UsageError(
        name,
        `--${name} is required: the API server only calls webhooks over HTTPS ` +
          `(see deploy/webhook/ for cert-manager, scripts/webhook-certs.sh without it)`,
      );
    }
    return isAbsolute(value) ? value : resolve(cwd, value);
  };
  const certFile = file("tls-cert-file");
  const keyFile = file("tls-key-file");
  const host = str("host") ?? "0.0.0.0";
  if (host === "" || /[\s/]/.test(host)) {
    throw new UsageError("host", `--host "${host}" is not an address, e.g. 0.0.0.0 or 127.0.0.1`);
  }
  const portText = str("port") ?? "8443";
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError("port", `--port "${portText}" is not a whole number from 0 to 65535`);
  }
  const level = str("log-level") ?? "info";
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new UsageError(
      "log-level",
      `--log-level "${level}" is not one of: ${LOG_LEVELS.join(", ")}`,
    );
  }
  return {
    help: false,
    options: {
      certFile,
      keyFile,
      host,
      port,
      logLevel: level as LogLevel,
      reloadIntervalMs: seconds("tls-reload-interval", str("tls-reload-interval"), 10, 0.05, 3600),
      shutdownGraceMs: seconds("shutdown-grace", str("shutdown-grace"), 10, 0, 600),
      inject: parsed.options,
    },
  };
}

function seconds(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback * 1000;
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      flag,
      `--${flag} "${text}" is not a number of seconds from ${min} to ${max}`,
    );
  }
  return Math.round(value * 1000);
}
