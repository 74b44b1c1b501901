/**
 * Event folding for `events_list`: repeats merged with their counts, newest
 * last, and when capped, warnings kept before normal events.
 *
 * @module
 */
import type { KubeEvent } from "./types.ts";

/** One folded event row. */
export interface FoldedEvent {
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
  /** RFC 3339 time of the newest occurrence. */
  lastSeen?: string;
  firstSeen?: string;
}

function lastTime(e: KubeEvent): string | undefined {
  return e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ??
    e.metadata.creationTimestamp ?? undefined;
}

/** Merges events with the same type, reason, object and message; sorted oldest first. */
export function foldEvents(events: KubeEvent[]): FoldedEvent[] {
  const map = new Map<string, FoldedEvent>();
  for (const e of events) {
    const o = e.involvedObject;
    const row: FoldedEvent = {
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      object: `${(o.kind ?? "").toLowerCase()}/${o.name ?? ""}`,
      message: (e.message ?? "").replace(/\s+/g, " ").trim(),
      count: e.series?.count ?? e.count ?? 1,
      lastSeen: lastTime(e),
      firstSeen: e.firstTimestamp ?? e.eventTime ?? lastTime(e),
    };
    const key = [row.type, row.reason, row.object, row.message].join("\u0000");
    const prev = map.get(key);
    if (!prev) {
      map.set(key, row);
      continue;
    }
    prev.count += row.count;
    if ((row.lastSeen ?? "") > (prev.lastSeen ?? "")) prev.lastSeen = row.lastSeen;
    if ((row.firstSeen ?? "~") < (prev.firstSeen ?? "~")) prev.firstSeen = row.firstSeen;
  }
  return [...map.values()].sort((a, b) => (a.lastSeen ?? "").localeCompare(b.lastSeen ?? ""));
}

/**
 * Keeps at most `max` rows: the newest warnings first, then the newest
 * others; the result stays oldest first.
 */
export function capEvents(
  rows: FoldedEvent[],
  max: number,
): { rows: FoldedEvent[]; omitted: number } {
  if (rows.length <= max) return { rows, omitted: 0 };
  const warnings = rows.filter((r) => r.type === "Warning");
  const others = rows.filter((r) => r.type !== "Warning");
  const keptWarnings = warnings.slice(Math.max(0, warnings.length - max));
  const room = max - keptWarnings.length;
  const keptOthers = room > 0 ? others.slice(Math.max(0, others.length - room)) : [];
  const kept = new Set([...keptWarnings, ...keptOthers]);
  return { rows: rows.filter((r) => kept.has(r)), omitted: rows.length - kept.size };
}
