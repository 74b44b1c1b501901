/**
 * JSON-lines logging on stderr. stdout belongs to the stdio transport, so
 * nothing in sidekernel writes there except that transport.
 *
 * @module
 */

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Structured fields added to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger; `child()` adds fields to every line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Where log lines go; stderr by default, an array in tests. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** Writes one line to stderr synchronously (so lines never interleave). */
export const stderrSink: LogSink = (line: string): void => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
};

/**
 * Creates a logger that writes one JSON object per line.
 *
 * @example
 * ```ts
 * const log = createLogger("info");
 * log.info("listening", { port: 8000 }); // {"time":"…","level":"info","msg":"listening","port":8000}
 * ```
 */
export function createLogger(
  level: LogLevel,
  sink: LogSink = stderrSink,
  base: LogFields = {},
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const line = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    sink(JSON.stringify(line, errorReplacer));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

/** A logger that drops everything (for library use and tests). */
export const silentLogger: Logger = createLogger("error", () => {});

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
