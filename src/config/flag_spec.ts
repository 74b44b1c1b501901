/**
 * The shape of one flag of `sidekernel serve`: its type, accepted values,
 * default and help line, and the names derived from it (environment
 * variables, the default as `--help` prints it). The table itself is
 * `FLAGS` in `./flags.ts`.
 *
 * @module
 */

/** How a flag's text value is read. */
export type FlagType = "string" | "integer" | "list";

/** Help sections of `sidekernel serve --help`, in order. */
export type FlagGroup = "server" | "python" | "jupyter" | "kubernetes";

/** What every flag entry has, whatever its type. */
export interface FlagCommon {
  /** Long name without dashes, e.g. `workspace-path`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly help: string;
  /** Help section. */
  readonly group: FlagGroup;
  /** Extra environment variables read after `SIDEKERNEL_<NAME>`. */
  readonly alsoEnv?: readonly string[];
  /**
   * How `--help` describes a default that is not one fixed value: printed
   * after the `default` when there is one ("on loopback binds, else any"),
   * or alone when the default depends on other flags or the machine.
   */
  readonly defaultNote?: string;
}

/** A flag read as text, optionally one of `choices`. */
export interface StringFlag extends FlagCommon {
  readonly type: "string";
  /** Accepted values; named in errors and help. */
  readonly choices?: readonly string[];
  /** The value when neither the flag nor its variable is given. */
  readonly default?: string;
}

/** A flag read as a whole number from `min` to `max`. */
export interface IntegerFlag extends FlagCommon {
  readonly type: "integer";
  /** An integer flag has a range instead (so `choices` reads on every entry). */
  readonly choices?: undefined;
  /** Inclusive range. */
  readonly min: number;
  readonly max: number;
  /** The value when neither the flag nor its variable is given. */
  readonly default: number;
}

/** A repeatable flag; its variable takes a comma-separated list. */
export interface ListFlag extends FlagCommon {
  readonly type: "list";
  /** Accepted items; named in errors and help. */
  readonly choices?: readonly string[];
  /** The items when neither the flag nor its variable is given. */
  readonly default?: readonly string[];
}

/** One flag of `sidekernel serve`. */
export type FlagSpec = StringFlag | IntegerFlag | ListFlag;

/**
 * The default of a flag as `--help` prints it: the value (a list joined with
 * commas), then its {@link FlagCommon.defaultNote}; the note alone when there
 * is no fixed value; `none` when there is neither.
 *
 * @example
 * ```ts
 * defaultText({ name: "port", type: "integer", min: 0, max: 65535, default: 8000, help: "", group: "server" }); // "8000"
 * defaultText({ name: "hosts", type: "list", default: ["a", "b"], defaultNote: "on loopback", help: "", group: "server" }); // "a,b on loopback"
 * ```
 */
export function defaultText(spec: FlagSpec): string {
  const value = spec.default === undefined
    ? undefined
    : typeof spec.default === "object"
    ? spec.default.join(",")
    : String(spec.default);
  const parts = [value, spec.defaultNote].filter((p) => p !== undefined);
  return parts.length === 0 ? "none" : parts.join(" ");
}

/** `workspace-path` → `SIDEKERNEL_WORKSPACE_PATH`. */
export function envName(flag: string): string {
  return "SIDEKERNEL_" + flag.toUpperCase().replaceAll("-", "_");
}

/** Every environment variable a flag reads, in the order they are tried. */
export function flagEnvNamesOf(spec: FlagSpec): string[] {
  return [envName(spec.name), ...(spec.alsoEnv ?? [])];
}
