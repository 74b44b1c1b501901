/**
 * Log post-processing for `pods_log`: grep with context and a size cap that
 * keeps the newest lines.
 *
 * @module
 */
import { capTail } from "./format.ts";

/** Lines of context around each grep match. */
export const GREP_CONTEXT = 2;

/**
 * Keeps the lines matching `pattern` (a case-insensitive regex, or a
 * substring when it is not a valid regex) with {@link GREP_CONTEXT} lines
 * around them; groups are separated by `--` like `grep -C`.
 */
export function grepLines(lines: string[], pattern: string): { text: string; matches: number } {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "i");
  } catch {
    re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
  }
  const keep = new Set<number>();
  let matches = 0;
  lines.forEach((line, i) => {
    if (!re.test(line)) return;
    matches++;
    for (
      let j = Math.max(0, i - GREP_CONTEXT);
      j <= Math.min(lines.length - 1, i + GREP_CONTEXT);
      j++
    ) {
      keep.add(j);
    }
  });
  const out: string[] = [];
  let prev = -2;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (prev >= 0 && i > prev + 1) out.push("--");
    out.push(lines[i]);
    prev = i;
  }
  return { text: out.join("\n"), matches };
}

/** Splits a log body into lines (no trailing empty line). */
export function splitLog(body: string): string[] {
  const lines = body.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Caps `text` to `max` characters, keeping the end, and describes the cut. */
export function capLog(
  text: string,
  max: number,
): { text: string; cutChars: number; note?: string } {
  const capped = capTail(text, max);
  if (!capped.cutChars) return capped;
  const cutLines = splitLog(text.slice(0, capped.cutChars)).length;
  return {
    ...capped,
    note: `[${capped.cutChars} characters (${cutLines} older lines) cut to stay under ${max} ` +
      `characters; narrow with tailLines, sinceSeconds or grep]`,
  };
}
