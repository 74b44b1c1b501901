/**
 * One change watcher on the workspace, shared by every MCP session. It polls:
 * every `pollMs` a bounded walk (walk.ts: lstat only, entry, depth and time
 * bounds) is compared with the previous one, and what changed is delivered
 * as one batch.
 *
 * Why polling and not `Deno.watchFs`: the kernel controls the workspace, and
 * Deno's watcher stops delivering events for good once a FIFO appears in the
 * watched tree (measured with deno 2.9.6 on Linux); it also loses a root that
 * is removed and created again. A walk opens nothing, so FIFOs, sockets,
 * devices, unreadable directories, deep trees and 100k files cannot stop it;
 * it starts from the root path on every round, so a replaced root is simply
 * walked again. Its cost is bounded: the next round waits ten times as long
 * as the last walk took (at most 10 s; a walk stops after 2 s). See docs/RELIABILITY.md.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { join } from "node:path";
import { type WalkOptions, type WalkResult, walkWorkspace } from "./walk.ts";

/** Longest wait between two walks, in ms, however long the last walk took. */
const MAX_WAIT_MS = 10_000;

/** One batch of changes. */
export interface WorkspaceChange {
  /** Absolute paths (under the watched root) that changed. */
  paths: Set<string>;
  /** Something was created, removed or renamed (the file list changed). */
  structural: boolean;
}

/** Options of {@link watchWorkspace}. */
export interface WatchOptions {
  /** Time between two walks, in ms (or 10 × the last walk, up to 10 s, if longer). @default 1000 */
  pollMs?: number;
  /** Bounds of each walk, and directories not entered. */
  walk?: WalkOptions;
  logger: Logger;
}

/** A running watcher. */
export interface WorkspaceWatcher {
  /** Settles once the first walk is done: changes after it are reported. */
  readonly ready: Promise<void>;
  /** Stops watching; pending changes are dropped. Idempotent. */
  close(): void;
}

interface Snapshot {
  /** Relative path → what identifies its current state. */
  entries: Map<string, string>;
  /** Directories whose entries were all seen. */
  complete: Set<string>;
}

/**
 * Watches `root` recursively and calls `onChange` with the changes of each
 * round that had any.
 *
 * @example
 * ```ts
 * const watcher = watchWorkspace("/workspace", (c) => console.error(c.paths), { logger });
 * watcher.close();
 * ```
 */
export function watchWorkspace(
  root: string,
  onChange: (change: WorkspaceChange) => void,
  options: WatchOptions,
): WorkspaceWatcher {
  const pollMs = options.pollMs ?? 1000;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let previous: Snapshot | undefined;
  const first = Promise.withResolvers<void>();

  const round = async () => {
    timer = undefined;
    const started = Date.now();
    try {
      const current = snapshotOf(await walkWorkspace(root, options.walk));
      if (closed) return;
      if (previous) {
        const change = diff(root, previous, current);
        if (change.paths.size > 0) {
          try {
            onChange(change);
          } catch (error) {
            options.logger.error("workspace change handler failed", { error });
          }
        }
      }
      previous = current;
    } catch (error) {
      options.logger.warn("workspace walk failed; trying again", { path: root, error });
    }
    first.resolve();
    if (!closed) {
      timer = setTimeout(
        round,
        Math.max(pollMs, Math.min(10 * (Date.now() - started), MAX_WAIT_MS)),
      );
    }
  };
  void round();

  return {
    ready: first.promise,
    close() {
      closed = true;
      first.resolve();
      clearTimeout(timer);
    },
  };
}

function snapshotOf(walk: WalkResult): Snapshot {
  const entries = new Map<string, string>();
  for (const { relative, stats } of walk.entries) {
    // A directory changes through its entries; its own mtime would only repeat them.
    const type = stats.isDirectory()
      ? "d"
      : stats.isFile()
      ? "f"
      : stats.isSymbolicLink()
      ? "l"
      : "o";
    entries.set(
      relative,
      type === "d"
        ? `d:${stats.ino}`
        : `${type}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`,
    );
  }
  return { entries, complete: walk.complete };
}

/** Changes between two snapshots, judged only where both walks saw a directory whole. */
function diff(root: string, before: Snapshot, after: Snapshot): WorkspaceChange {
  const change: WorkspaceChange = { paths: new Set(), structural: false };
  for (const [relative, state] of after.entries) {
    const old = before.entries.get(relative);
    if (old === state) continue;
    if (old === undefined && !before.complete.has(parentOf(relative))) continue;
    change.paths.add(join(root, relative));
    if (old === undefined || old[0] !== state[0]) change.structural = true;
  }
  for (const relative of before.entries.keys()) {
    if (after.entries.has(relative) || !after.complete.has(parentOf(relative))) continue;
    change.paths.add(join(root, relative));
    change.structural = true;
  }
  return change;
}

function parentOf(relative: string): string {
  const slash = relative.lastIndexOf("/");
  return slash < 0 ? "" : relative.slice(0, slash);
}
