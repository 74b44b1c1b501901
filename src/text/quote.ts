/**
 * Quoting of values echoed back in error messages and logs: a value the
 * client sent (a session id, a Host header, a pod name) may be megabytes long
 * or carry control characters, so it is shown quoted, escaped and cut.
 *
 * @module
 */

/**
 * Quotes `value` as a JSON string, cut to `max` characters (code points) with
 * its full length named when longer, so a 3 MB value costs ~100 characters.
 *
 * @param value what the client sent
 * @param max characters of `value` kept @default 80
 * @returns e.g. `"abc"`, or `"aaaa…" (3145728 characters)`
 * @example
 * ```ts
 * quoteShort("x".repeat(1000), 4); // '"xxxx…" (1000 characters)'
 * quoteShort("a\nb"); // '"a\\nb"'
 * ```
 */
export function quoteShort(value: string, max = 80): string {
  if (value.length <= max) return JSON.stringify(value);
  const points = Array.from(value.slice(0, max * 2)).slice(0, max).join("");
  return `${JSON.stringify(points + "…")} (${value.length} characters)`;
}
