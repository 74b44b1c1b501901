/**
 * No-follow opens and identity checks for files the kernel can change under
 * our feet. Code in the kernel shares the workspace volume and may swap any
 * file or directory for a symlink (or a FIFO) between our check and our open,
 * so every open here:
 *
 * 1. opens without following a final symlink (`O_NOFOLLOW`) and without
 *    blocking on a FIFO or device (`O_NONBLOCK`, `O_NOCTTY`); Deno opens every
 *    file close-on-exec;
 * 2. `fstat`s the opened descriptor: only a regular file (or a directory, for
 *    listings) is used, anything else is refused before a byte is read;
 * 3. walks the path again from the workspace root with `lstat`: every parent
 *    must be a directory (never a symlink), and the last component must be the
 *    very inode that was opened (device + inode), on the same file system as
 *    its directory. The open, the `fstat` and the walk run synchronously, back
 *    to back, so a swap gets microseconds rather than an event-loop turn;
 *    readers walk once more after reading.
 *
 * Why a walk after the open rather than a per-component open: Node's `fs`
 * has no `openat`, so opening each parent by its path would still let the OS
 * follow a link swapped into an earlier component. Checking the opened inode
 * against a link-free walk catches every swap that reaches another inode,
 * and the file-system check makes the walk deterministic where it matters: in
 * a pod the workspace is its own volume, so a file of the sidecar's own file
 * system (tokens, kubeconfig, `/etc`) is on another device than any workspace
 * directory and is refused whatever the timing. See docs/SECURITY.md
 * ("Classes 1 and 2 (workspace files)").
 *
 * @module
 */
import fs from "node:fs";
import { join, relative, sep } from "node:path";

const C = fs.constants;
/** Flags of every read open: read-only, no final symlink, no blocking, no controlling tty. */
export const READ_FLAGS: number = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | (C.O_NOCTTY ?? 0);
/** Flags of every file sidekernel creates: a new file only, never through a final symlink. */
export const CREATE_FLAGS: number = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW |
  (C.O_NOCTTY ?? 0);

/** What kind of file a path is, in words a user knows. */
export type FileKind =
  | "regular file"
  | "directory"
  | "symlink"
  | "FIFO (named pipe)"
  | "UNIX socket"
  | "character device"
  | "block device"
  | "unknown file type";

/** The kind of file `stats` describe. */
export function kindOf(stats: fs.Stats | fs.BigIntStats): FileKind {
  if (stats.isFile()) return "regular file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symlink";
  if (stats.isFIFO()) return "FIFO (named pipe)";
  if (stats.isSocket()) return "UNIX socket";
  if (stats.isCharacterDevice()) return "character device";
  if (stats.isBlockDevice()) return "block device";
  return "unknown file type";
}

/** The path is a FIFO, socket, device…: never opened for reading, never blocked on. */
export class NotRegularFileError extends Error {
  override name = "NotRegularFileError";
  /** What the path turned out to be. */
  readonly kind: FileKind;

  constructor(relativePath: string, kind: FileKind) {
    super(
      `"${relativePath}" is a ${kind}, not a regular file or directory; only regular files ` +
        `and directories of the workspace are served`,
    );
    this.kind = kind;
  }
}

/** How a path changed between the check and the open. */
export type ChangeReason = "symlink" | "replaced" | "other-filesystem" | "vanished" | "denied";

/**
 * The path changed while it was being opened (a symlink or another file was
 * swapped in), or it is on another file system than its directory; nothing
 * was read from it.
 */
export class PathChangedError extends Error {
  override name = "PathChangedError";
  /** The path relative to the workspace root. */
  readonly requested: string;
  /** What was found. */
  readonly reason: ChangeReason;

  constructor(relativePath: string, reason: ChangeReason) {
    const what = {
      symlink: "a symlink is where a file or directory was expected (planted, or swapped in " +
        "while it was being opened); sidekernel never opens through one",
      replaced: "the file opened is not the one the path names (it was swapped while opening)",
      "other-filesystem": "the file is on another file system than its directory " +
        "(a bind mount or a swapped path)",
      vanished: "it disappeared while it was being opened",
      denied: "opening it led to a place the server may not read (a symlink swapped in " +
        "while it was being opened)",
    }[reason];
    super(
      `path "${relativePath}" is refused: ${what}; nothing was read or written. ` +
        `Retry once the workspace stops changing, or replace the symlink by a real file`,
    );
    this.requested = relativePath;
    this.reason = reason;
  }
}

/** Device and inode of a file. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** Same device and inode. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The path components of `path` below `root` (`[]` for the root itself). */
export function componentsBelow(root: string, path: string): string[] {
  const rel = relative(root, path);
  if (rel === "") return [];
  if (rel.startsWith("..") || rel.startsWith(sep)) {
    throw new RangeError(`"${path}" is not under "${root}"`);
  }
  return rel.split(sep);
}

/** The node error code of `error`, if any (`"ELOOP"`, `"ENOENT"`…). */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

const GONE = new Set(["ENOENT", "ENOTDIR"]);

/**
 * Checks that the opened file `opened` is what `path` names now, through
 * real directories only: every component between `root` and `path` is a
 * directory and not a symlink, the last one has the identity of `opened`,
 * and a non-directory lies on its directory's file system. Synchronous on
 * purpose: the checks run back to back, with no event-loop turn between.
 *
 * @throws {PathChangedError} on any difference
 */
export function verifyOpenedSync(root: string, path: string, opened: fs.BigIntStats): void {
  const parts = componentsBelow(root, path);
  const shown = parts.join("/") || ".";
  let parent: fs.BigIntStats | undefined;
  let current = root;
  let stats = fs.statSync(root, { bigint: true });
  for (const part of parts) {
    if (stats.isSymbolicLink()) throw new PathChangedError(shown, "symlink");
    if (!stats.isDirectory()) throw new PathChangedError(shown, "replaced");
    parent = stats;
    current = join(current, part);
    stats = lstatOrChangedSync(current, shown);
  }
  checkLast(shown, stats, opened, parent);
}

function checkLast(
  shown: string,
  last: fs.BigIntStats,
  opened: fs.BigIntStats,
  parent: fs.BigIntStats | undefined,
): void {
  if (last.isSymbolicLink()) throw new PathChangedError(shown, "symlink");
  if (!sameFile(last, opened)) throw new PathChangedError(shown, "replaced");
  // A directory may be a mount point; a file on another device than its directory is not ours.
  if (parent && !opened.isDirectory() && opened.dev !== parent.dev) {
    throw new PathChangedError(shown, "other-filesystem");
  }
}

/** `lstat` with bigint identity; a vanished path is a change. */
export function lstatOrChangedSync(path: string, shown: string): fs.BigIntStats {
  try {
    return fs.lstatSync(path, { bigint: true });
  } catch (error) {
    if (GONE.has(errorCode(error) ?? "")) throw new PathChangedError(shown, "vanished");
    if (errorCode(error) === "ELOOP") throw new PathChangedError(shown, "symlink");
    throw deniedAsChange(error, shown);
  }
}

/**
 * Deno's permission check refuses some places a swapped link leads to (it
 * resolves `/dev` and `/proc` paths): a refusal, said without naming where
 * the link pointed.
 */
export function deniedAsChange(error: unknown, shown: string): unknown {
  return error instanceof Deno.errors.NotCapable ? new PathChangedError(shown, "denied") : error;
}
