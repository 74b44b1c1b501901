/**
 * Small statistics and table helpers for the bench.
 *
 * @module
 */

/** Percentile of a sample (nearest rank), in the sample's unit. */
export function percentile(sample: number[], p: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Arithmetic mean of a sample. */
export function mean(sample: number[]): number {
  return sample.length === 0 ? NaN : sample.reduce((a, b) => a + b, 0) / sample.length;
}

/** Times `fn` `runs` times after `warmup` unmeasured runs; returns milliseconds. */
export async function timeRuns(
  runs: number,
  fn: () => Promise<unknown>,
  warmup = 3,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const sample: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    sample.push(performance.now() - start);
  }
  return sample;
}

/** One row of a bench table. */
export type Row = Record<string, string | number>;

/** Renders rows as a Markdown table (also readable in a terminal). */
export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  const cell = (v: string | number | undefined) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : (v ?? "");
  const lines = [
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(" | ")} |`),
  ];
  return lines.join("\n");
}
