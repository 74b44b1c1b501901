/**
 * The rows `sidekernel doctor` prints, and the table they are printed as.
 *
 * @module
 */

/** How one check went. `warn` never fails the run; `fail` does when the check is required. */
export type CheckStatus = "ok" | "warn" | "fail";

/** One row of the doctor table. */
export interface CheckRow {
  /** Short name, e.g. `workspace`, `jupyter token`, `list pods`. */
  check: string;
  status: CheckStatus;
  /** What was found, with the path, URL or namespace in quotes. */
  detail: string;
  /** What to do; set on every row that is not ok. */
  fix?: string;
}

/** Builds an ok row. */
export function ok(check: string, detail: string): CheckRow {
  return { check, status: "ok", detail };
}

/** Builds a failing row; `fix` says what to do. */
export function fail(check: string, detail: string, fix: string): CheckRow {
  return { check, status: "fail", detail, fix };
}

/** Builds a warning row; `fix` says what to do. */
export function warn(check: string, detail: string, fix: string): CheckRow {
  return { check, status: "warn", detail, fix };
}

/**
 * Renders rows as a fixed-width text table; the fix of a row that is not ok
 * follows it on its own line.
 *
 * @example
 * ```ts
 * renderTable([ok("workspace", '"/workspace" is writable')]);
 * // STATUS  CHECK      DETAIL
 * // ok      workspace  "/workspace" is writable
 * ```
 */
export function renderTable(rows: readonly CheckRow[]): string {
  const width = Math.max(5, ...rows.map((r) => r.check.length));
  const line = (status: string, check: string, detail: string) =>
    `${status.padEnd(6)}  ${check.padEnd(width)}  ${detail}`.trimEnd();
  const out = [line("STATUS", "CHECK", "DETAIL")];
  for (const row of rows) {
    out.push(line(row.status === "ok" ? "ok" : row.status.toUpperCase(), row.check, row.detail));
    if (row.status !== "ok" && row.fix) out.push(`${" ".repeat(8 + width + 2)}fix: ${row.fix}`);
  }
  return out.join("\n") + "\n";
}

/** One line under the table: how many checks failed or warned. */
export function summary(rows: readonly CheckRow[]): string {
  const failed = rows.filter((r) => r.status === "fail").length;
  const warned = rows.filter((r) => r.status === "warn").length;
  if (failed) {
    return `${failed} check${failed > 1 ? "s" : ""} failed` +
      `${warned ? `, ${warned} warning${warned > 1 ? "s" : ""}` : ""}: apply the fixes above.\n`;
  }
  return warned
    ? `All required checks passed; ${warned} warning${warned > 1 ? "s" : ""}.\n`
    : "All checks passed.\n";
}
