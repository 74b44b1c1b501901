/**
 * Compact text for the model: aligned tables, kubectl-style ages, quoting.
 *
 * @module
 */

/**
 * Renders rows as a left-aligned, space-padded table with a header line.
 *
 * @example
 * ```ts
 * table(["NAME", "AGE"], [["web-1", "5m"]]);
 * // "NAME   AGE\nweb-1  5m"
 * ```
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/**
 * Formats the time since `timestamp` like kubectl: `45s`, `12m`, `3h5m`, `4d`.
 * Returns `<unknown>` when the timestamp is missing or invalid.
 */
export function age(timestamp: string | undefined | null, now: number = Date.now()): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return duration(Math.max(0, (now - t) / 1000));
}

/** Formats a duration in seconds like kubectl's `HumanDuration`. */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Collapses whitespace and cuts `text` to `max` characters with an ellipsis. */
export function oneLine(text: string | undefined, max = 160): string {
  const t = (text ?? "").replace(/\s+/g, " ").trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

/**
 * Keeps the last `max` characters of `text` (logs: the newest matter most)
 * and says what was cut.
 */
export function capTail(text: string, max: number): { text: string; cutChars: number } {
  if (text.length <= max) return { text, cutChars: 0 };
  let start = text.length - max;
  const nl = text.indexOf("\n", start);
  if (nl !== -1 && nl - start < 200) start = nl + 1;
  return { text: text.slice(start), cutChars: start };
}
