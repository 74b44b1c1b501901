/**
 * One bounded walk of the workspace tree, for resources/list and the change
 * watcher. Nothing here opens a file: entries are described by `lstat`, so a
 * FIFO, socket or device is only ever looked at. The walk stops at a number
 * of entries, a depth and a time budget (a 10k-deep tree, 100k files), skips
 * what it cannot read, never follows a symlink, and stays on the workspace's
 * file system (like `find -xdev`): a directory swapped for a link to the
 * sidecar's own file system is seen as another device and not entered.
 *
 * @module
 */
import fs from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers";
import { sameFile } from "./identity.ts";

/** Limits and filters of {@link walkWorkspace}. */
export interface WalkOptions {
  /** Entries looked at, at most. @default 20000 */
  maxEntries?: number;
  /** Directory levels below the root entered, at most. @default 32 */
  maxDepth?: number;
  /** Time the walk may take, in ms. @default 2000 */
  budgetMs?: number;
  /** Directories not entered (`relative` is `"a/b"`, `""` for the root). */
  skipDirectory?: (relative: string, name: string) => boolean;
}

/** One entry found: its path below the root and its `lstat`. */
export interface WalkEntry {
  readonly relative: string;
  readonly stats: fs.BigIntStats;
}

/** What one walk found. */
export interface WalkResult {
  /** Every entry that is not a directory (files, symlinks, FIFOs…), and directories. */
  entries: WalkEntry[];
  /** Directories whose entries were all looked at (`""` is the root). */
  complete: Set<string>;
  /** Why the walk stopped early, if it did. */
  cut?: "entries" | "depth" | "time";
}

/**
 * Walks `realRoot` breadth-first within the limits of `options`.
 *
 * @example
 * ```ts
 * const { entries, cut } = await walkWorkspace("/workspace", { maxEntries: 1000 });
 * ```
 */
export async function walkWorkspace(
  realRoot: string,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const maxEntries = options.maxEntries ?? 20_000;
  const maxDepth = options.maxDepth ?? 32;
  const deadline = Date.now() + (options.budgetMs ?? 2000);
  const result: WalkResult = { entries: [], complete: new Set() };
  const root = lstatOrUndefined(realRoot);
  if (!root?.isDirectory()) {
    result.complete.add(""); // gone, or replaced by a link: seen whole, and empty
    return result;
  }
  const queue: { relative: string; stats: fs.BigIntStats; depth: number }[] = [
    { relative: "", stats: root, depth: 0 },
  ];
  let looked = 0;
  for (let next = 0; next < queue.length; next++) {
    const dir = queue[next];
    const path = dir.relative ? join(realRoot, dir.relative) : realRoot;
    const names = await readDirectory(path, dir.stats);
    // Looked at again right before the first entry: the read gave the event loop a turn.
    if (!names || !isStill(path, dir.stats)) continue;
    let whole = true;
    for (const [i, name] of names.entries()) {
      if (++looked > maxEntries) {
        result.cut = "entries";
        return result;
      }
      if (Date.now() >= deadline) {
        result.cut = "time";
        return result;
      }
      if (i > 0 && i % YIELD_EVERY === 0) {
        await yieldToEventLoop();
        if (!isStill(path, dir.stats)) {
          whole = false;
          break;
        }
      }
      const relative = dir.relative ? `${dir.relative}/${name}` : name;
      const stats = lstatOrUndefined(join(path, name));
      // Each entry between two looks at its directory, back to back: had the directory been
      // swapped for a link, the entry could be someone else's.
      if (!isStill(path, dir.stats)) {
        whole = false;
        break;
      }
      if (!stats) continue;
      // Another device: a mount point, or a swap towards another file system.
      if (stats.dev !== root.dev) continue;
      result.entries.push({ relative, stats });
      if (!stats.isDirectory() || options.skipDirectory?.(dir.relative, name)) continue;
      if (dir.depth + 1 > maxDepth) {
        result.cut ??= "depth";
        continue;
      }
      queue.push({ relative, stats, depth: dir.depth + 1 });
    }
    if (whole) result.complete.add(dir.relative);
  }
  return result;
}

/** Entries looked at between two turns of the event loop. */
const YIELD_EVERY = 256;

/** `path` is still the directory `expected` (not swapped for a link or another one). */
function isStill(path: string, expected: fs.BigIntStats): boolean {
  const now = lstatOrUndefined(path);
  return now !== undefined && now.isDirectory() && sameFile(now, expected);
}

/**
 * The names in `path` if it is still the directory `expected`; read off the
 * event loop (100,000 names take ~0.3 s to read). Names read from a directory
 * swapped meanwhile are harmless: each is then looked at in `path` itself.
 */
async function readDirectory(
  path: string,
  expected: fs.BigIntStats,
): Promise<string[] | undefined> {
  if (!isStill(path, expected)) return undefined;
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    return names;
  } catch {
    return undefined; // unreadable, removed, too long a path: skipped
  }
}

function lstatOrUndefined(path: string): fs.BigIntStats | undefined {
  try {
    return fs.lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

/** Lets pending I/O callbacks run (`setImmediate`: a timer of 0 ms is clamped to 4 ms). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
