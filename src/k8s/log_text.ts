/**
 * Log post-processing for `pods_log`: credentials masked, grep with context
 * and a size cap that keeps the newest lines. Work on a long log yields to
 * the event loop every few milliseconds, so probes and other calls are
 * answered while it runs (docs/SECURITY.md, "Class 3").
 *
 * @module
 */
import { maskPrivateKeys } from "./credential_shapes.ts";
import { maskCredentials } from "./credentials.ts";
import { capTail } from "./format.ts";
import type { LineMatcher } from "./grep.ts";

/** Lines of context around each grep match. */
export const GREP_CONTEXT = 2;
/** Longest stretch of work, in milliseconds, before yielding to the event loop. */
export const SLICE_MS = 10;

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Calls `each` for every index, yielding to the event loop every {@link SLICE_MS}. */
async function forEachSliced(
  count: number,
  each: (i: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  let since = performance.now();
  for (let i = 0; i < count; i++) {
    each(i);
    if ((i & 63) === 63 && performance.now() - since > SLICE_MS) {
      await yieldNow();
      signal?.throwIfAborted();
      since = performance.now();
    }
  }
}

/**
 * Masks credentials in a log body (private-key blocks across lines, then
 * each line) and returns its lines.
 */
export async function maskLogLines(body: string, signal?: AbortSignal): Promise<string[]> {
  const lines = splitLog(maskPrivateKeys(body));
  await forEachSliced(lines.length, (i) => (lines[i] = maskCredentials(lines[i])), signal);
  return lines;
}

/**
 * Keeps the lines `matcher` matches with {@link GREP_CONTEXT} lines around
 * them; groups are separated by `--` like `grep -C`.
 */
export async function grepLines(
  lines: string[],
  matcher: LineMatcher,
  signal?: AbortSignal,
): Promise<{ text: string; matches: number }> {
  const keep = new Set<number>();
  let matches = 0;
  await forEachSliced(lines.length, (i) => {
    if (!matcher.test(lines[i])) return;
    matches++;
    for (
      let j = Math.max(0, i - GREP_CONTEXT);
      j <= Math.min(lines.length - 1, i + GREP_CONTEXT);
      j++
    ) {
      keep.add(j);
    }
  }, signal);
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
