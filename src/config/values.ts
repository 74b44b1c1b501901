/**
 * The text values of `sidekernel serve`'s flags and variables, and their
 * typed readers. A reader returns what was given, checked against the flag's
 * entry in `FLAGS` (choices, range), or else the entry's `default` as it is
 * written there: the table is the one place a default lives (README.md,
 * "Command line").
 *
 * @module
 */
import { parseArgs } from "node:util";
import { envName, type IntegerFlag } from "./flag_spec.ts";
import { FLAGS } from "./flags.ts";
import { UsageError } from "./errors.ts";

/** A flag entry with choices, typed by its accepted values `C`. */
interface ChoiceSpec<C extends string> {
  readonly name: string;
  readonly choices: readonly C[];
}

/**
 * The values given for the flags: a flag when it is on the command line,
 * else its first non-empty variable (`SIDEKERNEL_<NAME>`, then `alsoEnv`).
 * List values are split on commas.
 */
export class FlagValues {
  readonly #given: Map<string, string[]>;

  /**
   * Reads flags, then environment variables for the flags not given.
   *
   * @param args arguments after the command word, e.g. `["--port", "9000"]`
   * @param env reads one environment variable
   * @throws {UsageError} for an unknown flag, a positional word or a missing value.
   * @example
   * ```ts
   * const values = FlagValues.read(["--port", "9000"], (name) => Deno.env.get(name));
   * values.integer(flagSpec("port")); // 9000
   * ```
   */
  static read(args: string[], env: (name: string) => string | undefined): FlagValues {
    const options: Record<string, { type: "string"; multiple?: boolean }> = {};
    for (const f of FLAGS) options[f.name] = { type: "string", multiple: f.type === "list" };
    let values: Record<string, string | string[] | undefined>;
    try {
      ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
    } catch (error) {
      throw parseArgsError(error);
    }
    const given = new Map<string, string[]>();
    for (const f of FLAGS) {
      const flag = values[f.name];
      if (flag !== undefined) {
        const list = Array.isArray(flag) ? flag : [flag];
        given.set(f.name, f.type === "list" ? list.flatMap(splitList) : list);
        continue;
      }
      for (const name of [envName(f.name), ...(f.alsoEnv ?? [])]) {
        const value = env(name);
        if (value === undefined || value === "") continue;
        given.set(f.name, f.type === "list" ? splitList(value) : [value]);
        break;
      }
    }
    return new FlagValues(given);
  }

  private constructor(given: Map<string, string[]>) {
    this.#given = given;
  }

  /** The text given for a flag (the last one, for a string flag given twice), or undefined. */
  text(spec: { readonly name: string }): string | undefined {
    return this.#given.get(spec.name)?.at(-1);
  }

  /** The items given for a list flag, or undefined. */
  list(spec: { readonly name: string }): readonly string[] | undefined {
    return this.#given.get(spec.name);
  }

  /**
   * A string flag with a fixed default: the text given, else the default.
   *
   * @example
   * ```ts
   * values.textOr(flagSpec("host")); // "127.0.0.1" when not given
   * ```
   */
  textOr(spec: { readonly name: string; readonly default: string }): string {
    return this.#given.get(spec.name)?.at(-1) ?? spec.default;
  }

  /**
   * One of a flag's choices: the value given, else the flag's default, else
   * `fallback` (for a default that depends on other flags).
   *
   * @throws {UsageError} naming the flag and its choices when the value is not one.
   */
  choice<C extends string>(
    spec: ChoiceSpec<C> & { readonly default?: NoInfer<C> },
    fallback?: NoInfer<C>,
  ): C {
    const value = this.text(spec) ?? spec.default ?? fallback;
    if (value === undefined) throw new Error(`flag "${spec.name}" has no default`);
    return oneOf(spec, value);
  }

  /**
   * The checked items of a list flag with choices, duplicates dropped: the
   * items given, else the flag's default.
   *
   * @throws {UsageError} naming the flag and its choices for an item that is not one.
   */
  choices<C extends string>(
    spec: ChoiceSpec<C> & { readonly default: readonly NoInfer<C>[] },
  ): C[] {
    const items = this.#given.get(spec.name) ?? spec.default;
    return [...new Set(items.map((item) => oneOf(spec, item)))];
  }

  /**
   * An integer flag: the number given, checked against the flag's range,
   * else the flag's default.
   *
   * @throws {UsageError} naming the flag and its range for a value that is not a whole
   *   number in it.
   */
  integer(spec: IntegerFlag): number {
    const value = this.text(spec);
    if (value === undefined) return spec.default;
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
      throw new UsageError(
        spec.name,
        `--${spec.name} "${value}" is not a whole number from ${spec.min} to ${spec.max}`,
      );
    }
    return n;
  }
}

function oneOf<C extends string>(spec: ChoiceSpec<C>, value: string): C {
  const found = spec.choices.find((c) => c === value);
  if (found === undefined) {
    throw new UsageError(
      spec.name,
      `--${spec.name} "${value}" is not one of: ${spec.choices.join(", ")}`,
    );
  }
  return found;
}

function splitList(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
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
