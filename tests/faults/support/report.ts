/**
 * Fault-suite results for docs/RELIABILITY.md: when `FAULTS_REPORT` names a
 * file, each case appends one JSON line to it (case, outcome, figures).
 *
 * @module
 */

/** One measured outcome of a fault case. */
export interface FaultRecord {
  /** The suite's table, e.g. "jupyter", "kube", "load". */
  group: string;
  /** The case as a user would name it. */
  name: string;
  /** What the user saw, in a few words. */
  observed: string;
  /** Numbers worth publishing (ms, MiB, counts). */
  figures?: Record<string, number | string>;
}

/** Appends `record` to `$FAULTS_REPORT` when it is set; otherwise does nothing. */
export function record(entry: FaultRecord): void {
  const path = Deno.env.get("FAULTS_REPORT");
  if (!path) return;
  Deno.writeTextFileSync(path, JSON.stringify({ ...entry, at: new Date().toISOString() }) + "\n", {
    append: true,
  });
}

/** Milliseconds since `started`, rounded. */
export function since(started: number): number {
  return Math.round(performance.now() - started);
}
