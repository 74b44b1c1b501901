/**
 * The `grep` of `pods_log`: RE2 syntax (as Go's `regexp`, stern's
 * `--include` and Loki's `|~` take it), run by `re2js`, a pure-JavaScript
 * port of RE2 whose matching time is linear in the text, whatever the
 * pattern: `(.|.)*QQQZ` or `(a+)+$` cannot backtrack (docs/SECURITY.md,
 * "Class 3"). Patterns RE2 refuses (lookaround, backreferences, counts over
 * 1000) are refused with an error naming `grep`.
 *
 * @module
 */
import { quoteShort } from "../text/quote.ts";
import { InvalidKubeArgumentError } from "./errors.ts";

/** Longest `grep` pattern accepted, in characters. */
export const MAX_GREP_LENGTH = 512;
/** Largest compiled program accepted (RE2 instructions); bounds the cost per character. */
export const MAX_GREP_PROGRAM = 5000;

/** A compiled, linear-time line matcher. */
export interface LineMatcher {
  /** The pattern as given. */
  readonly pattern: string;
  /** True when `line` contains a match. */
  test(line: string): boolean;
}

/**
 * Compiles a case-insensitive `grep` pattern (RE2 syntax).
 *
 * @throws {InvalidKubeArgumentError} naming `grep` when the pattern is too
 * long, too large compiled, or not valid RE2.
 * @example
 * ```ts
 * const m = await compileGrep("error|panic");
 * m.test("PANIC: nil map"); // true
 * ```
 */
export async function compileGrep(pattern: string): Promise<LineMatcher> {
  const shown = quoteShort(pattern);
  if (pattern.length > MAX_GREP_LENGTH) {
    throw new InvalidKubeArgumentError(
      `"grep" is ${pattern.length} characters long; at most ${MAX_GREP_LENGTH} are accepted. ` +
        `Use a shorter pattern, e.g. "error|panic".`,
    );
  }
  const { RE2JS } = await import("re2js");
  let re: ReturnType<typeof RE2JS.compile>;
  try {
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : String(e);
    throw new InvalidKubeArgumentError(
      `"grep" pattern ${shown} is not accepted: ${why}. grep takes RE2 syntax ` +
        `(no lookaround, no backreferences); put a backslash before a special ` +
        `character to match it literally: ERROR \\( matches "ERROR (".`,
    );
  }
  if (re.programSize() > MAX_GREP_PROGRAM) {
    throw new InvalidKubeArgumentError(
      `"grep" pattern ${shown} compiles to ${re.programSize()} instructions; at most ` +
        `${MAX_GREP_PROGRAM} are accepted. Use smaller repeat counts.`,
    );
  }
  const compiled = re;
  return { pattern, test: (line) => compiled.test(line) };
}
