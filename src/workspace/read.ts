/**
 * Reading what the kernel may be changing: a regular file by a no-follow
 * open, checked by identity and read with a hard byte cap; a directory's
 * entries with the same identity checks. See identity.ts for the rules and
 * docs/SECURITY.md ("Classes 1 and 2 (workspace files)") for what they guarantee.
 *
 * @module
 */
import fs from "node:fs";
import { join } from "node:path";
import {
  componentsBelow,
  deniedAsChange,
  errorCode,
  kindOf,
  lstatOrChangedSync,
  NotRegularFileError,
  PathChangedError,
  READ_FLAGS,
  sameFile,
  verifyOpenedSync,
} from "./identity.ts";

/** A file too large to return as a resource. */
export class ResourceTooLargeError extends RangeError {
  override name = "ResourceTooLargeError";
  /** Size of the file in bytes (at least the cap + 1 when it grew while being read). */
  readonly size: number;

  constructor(relativePath: string, size: number, limit: number, grew = false) {
    super(
      `file "${relativePath}" is ${grew ? "over " : ""}${formatBytes(size)}` +
        `${grew ? " (it grew while being read)" : ""}, over the ${formatBytes(limit)} ` +
        `resource limit; read a part of it with the python tool instead`,
    );
    this.size = size;
  }
}

/**
 * Reads the regular file `realPath` under `realRoot`: never follows a
 * symlink, never blocks on a FIFO or device, refuses a file swapped during
 * the open, and reads at most `maxBytes + 1` bytes whatever the file's size
 * says or becomes.
 *
 * @example
 * ```ts
 * const bytes = await readContainedFile(ws.realRoot, await ws.resolve("notes.txt"), 10 << 20);
 * ```
 * @throws {NotRegularFileError} a FIFO, socket, device…
 * @throws {PathChangedError} a symlink or another file swapped in, or another file system
 * @throws {ResourceTooLargeError} past `maxBytes`
 */
export async function readContainedFile(
  realRoot: string,
  realPath: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const shown = componentsBelow(realRoot, realPath).join("/") || ".";
  // Judge by lstat first: a special file is refused without even being opened.
  const before = lstatOrChangedSync(realPath, shown);
  if (before.isSymbolicLink()) throw new PathChangedError(shown, "symlink");
  if (!before.isFile()) throw new NotRegularFileError(shown, kindOf(before));
  // Open, fstat and check synchronously, back to back: a swap has microseconds, not an
  // event-loop turn, to come and go unseen.
  const fd = openNoFollowSync(realPath, shown, 0);
  try {
    const opened = fs.fstatSync(fd, { bigint: true });
    if (!opened.isFile()) throw new NotRegularFileError(shown, kindOf(opened));
    verifyOpenedSync(realRoot, realPath, opened);
    const size = Number(opened.size);
    if (size > maxBytes) throw new ResourceTooLargeError(shown, size, maxBytes);
    const bytes = await readCapped(fd, shown, size, maxBytes);
    // Once more after the read: a swap must now be timed twice to go unseen.
    verifyOpenedSync(realRoot, realPath, opened);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The `fstat` of the regular file `realPath` under `realRoot`, opened and
 * checked exactly like {@link readContainedFile} but without reading it (for
 * the size and time of a file a listed symlink leads to).
 *
 * @throws {NotRegularFileError | PathChangedError}
 */
export function statContainedFile(realRoot: string, realPath: string): fs.BigIntStats {
  const shown = componentsBelow(realRoot, realPath).join("/") || ".";
  const before = lstatOrChangedSync(realPath, shown);
  if (before.isSymbolicLink()) throw new PathChangedError(shown, "symlink");
  if (!before.isFile()) throw new NotRegularFileError(shown, kindOf(before));
  const fd = openNoFollowSync(realPath, shown, 0);
  try {
    const opened = fs.fstatSync(fd, { bigint: true });
    if (!opened.isFile()) throw new NotRegularFileError(shown, kindOf(opened));
    verifyOpenedSync(realRoot, realPath, opened);
    return opened;
  } finally {
    fs.closeSync(fd);
  }
}

/** One entry of a directory listing. */
export interface DirectoryEntry {
  readonly name: string;
  /** `lstat` of the entry: a symlink is described as a symlink, never followed. */
  readonly stats: fs.BigIntStats;
}

/** The entries of one directory, the first `maxEntries` of them. */
export interface DirectoryContents {
  entries: DirectoryEntry[];
  /** Entries past `maxEntries`, not described. */
  more: number;
}

/**
 * Lists the directory `realPath` under `realRoot` with the same rules as
 * {@link readContainedFile}: opened without following a symlink and checked
 * by identity before and after the listing; entries that vanish are left
 * out, and a non-directory entry on another file system than the directory
 * means the directory was swapped: refused.
 *
 * @throws {NotRegularFileError | PathChangedError}
 */
export async function listContainedDirectory(
  realRoot: string,
  realPath: string,
  maxEntries: number,
): Promise<DirectoryContents> {
  const shown = componentsBelow(realRoot, realPath).join("/") || ".";
  const fd = openNoFollowSync(realPath, shown, fs.constants.O_DIRECTORY);
  try {
    const opened = fs.fstatSync(fd, { bigint: true });
    if (!opened.isDirectory()) throw new NotRegularFileError(shown, kindOf(opened));
    verifyOpenedSync(realRoot, realPath, opened);
    const all = await readNames(realPath, shown);
    // Checked again right before the first entry: the read gave the event loop a turn.
    verifyOpenedSync(realRoot, realPath, opened);
    const names = all.slice(0, maxEntries);
    const more = all.length - names.length;
    const entries: DirectoryEntry[] = [];
    for (const name of names) {
      let stats: fs.BigIntStats | undefined;
      try {
        stats = fs.lstatSync(join(realPath, name), { bigint: true });
      } catch {
        // gone since the listing (or never ours): not shown
      }
      // Each entry right after a look at the directory itself: had it been swapped for a link,
      // the entry could be someone else's.
      const now = lstatOrChangedSync(realPath, shown);
      if (now.isSymbolicLink() || !sameFile(now, opened)) {
        throw new PathChangedError(shown, "replaced");
      }
      if (!stats) continue;
      if (!stats.isDirectory() && stats.dev !== opened.dev) {
        throw new PathChangedError(shown, "replaced");
      }
      entries.push({ name, stats });
    }
    verifyOpenedSync(realRoot, realPath, opened);
    return { entries, more };
  } finally {
    fs.closeSync(fd);
  }
}

/** All names in `path`, read off the event loop (100,000 names take ~0.3 s). */
async function readNames(path: string, shown: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    return names;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") throw new PathChangedError(shown, "vanished");
    if (code === "ENOTDIR") throw new PathChangedError(shown, "replaced");
    throw deniedAsChange(error, shown);
  }
}

function openNoFollowSync(path: string, shown: string, extra: number): number {
  try {
    return fs.openSync(path, READ_FLAGS | extra);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ELOOP") throw new PathChangedError(shown, "symlink");
    if (code === "ENOENT") throw new PathChangedError(shown, "vanished");
    if (code === "ENOTDIR") throw new PathChangedError(shown, "replaced");
    if (code === "ENXIO") throw new NotRegularFileError(shown, "UNIX socket");
    throw deniedAsChange(error, shown);
  }
}

async function readCapped(
  fd: number,
  shown: string,
  size: number,
  maxBytes: number,
): Promise<Uint8Array> {
  // One byte past the cap tells a file that grew from one that did not.
  const ceiling = maxBytes + 1;
  let buffer = new Uint8Array(Math.min(size + 1, ceiling));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (buffer.length >= ceiling) break;
      const bigger = new Uint8Array(Math.min(buffer.length * 2, ceiling));
      bigger.set(buffer);
      buffer = bigger;
    }
    const bytesRead = await readAt(fd, buffer, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes) throw new ResourceTooLargeError(shown, maxBytes + 1, maxBytes, true);
  return buffer.subarray(0, filled);
}

/** One `pread` into `buffer` from `offset` on, off the event loop. */
function readAt(fd: number, buffer: Uint8Array, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, offset, buffer.length - offset, offset, (error, bytesRead) => {
      if (error) reject(error);
      else resolve(bytesRead);
    });
  });
}

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
