/**
 * Reading what the kernel may be changing: a regular file by a no-follow
 * open, checked by identity and read with a hard byte cap; a directory's
 * entries with the same identity checks. See identity.ts for the rules and
 * docs/SECURITY.md ("Workspace files") for what they guarantee.
 *
 * @module
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import { join } from "node:path";
import {
  componentsBelow,
  errorCode,
  kindOf,
  lstatOrChanged,
  NotRegularFileError,
  PathChangedError,
  READ_FLAGS,
  sameFile,
  verifyOpened,
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
  const before = await lstatOrChanged(realPath, shown);
  if (before.isSymbolicLink()) throw new PathChangedError(shown, "symlink");
  if (!before.isFile()) throw new NotRegularFileError(shown, kindOf(before));
  const handle = await openNoFollow(realPath, shown, 0);
  try {
    const opened = await handle.stat({ bigint: true });
    if (!opened.isFile()) throw new NotRegularFileError(shown, kindOf(opened));
    await verifyOpened(realRoot, realPath, opened);
    const size = Number(opened.size);
    if (size > maxBytes) throw new ResourceTooLargeError(shown, size, maxBytes);
    return await readCapped(handle, shown, size, maxBytes);
  } finally {
    await handle.close().catch(() => {});
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
  const handle = await openNoFollow(realPath, shown, fs.constants.O_DIRECTORY);
  try {
    const opened = await handle.stat({ bigint: true });
    if (!opened.isDirectory()) throw new NotRegularFileError(shown, kindOf(opened));
    await verifyOpened(realRoot, realPath, opened);
    const names: string[] = [];
    let more = 0;
    for await (const entry of Deno.readDir(realPath)) {
      if (names.length < maxEntries) names.push(entry.name);
      else more++;
    }
    const entries: DirectoryEntry[] = [];
    for (const name of names) {
      const stats = await fsp.lstat(join(realPath, name), { bigint: true }).catch(() => undefined);
      if (!stats) continue; // gone since the listing (or never ours): not shown
      if (!stats.isDirectory() && stats.dev !== opened.dev) {
        throw new PathChangedError(shown, "replaced");
      }
      entries.push({ name, stats });
    }
    const after = await lstatOrChanged(realPath, shown);
    if (after.isSymbolicLink() || !sameFile(after, opened)) {
      throw new PathChangedError(shown, "replaced");
    }
    return { entries, more };
  } finally {
    await handle.close().catch(() => {});
  }
}

async function openNoFollow(path: string, shown: string, extra: number) {
  try {
    return await fsp.open(path, READ_FLAGS | extra);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ELOOP") throw new PathChangedError(shown, "symlink");
    if (code === "ENOENT") throw new PathChangedError(shown, "vanished");
    if (code === "ENOTDIR") throw new PathChangedError(shown, "replaced");
    if (code === "ENXIO") throw new NotRegularFileError(shown, "UNIX socket");
    throw error;
  }
}

async function readCapped(
  handle: fsp.FileHandle,
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
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes) throw new ResourceTooLargeError(shown, maxBytes + 1, maxBytes, true);
  return buffer.subarray(0, filled);
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
