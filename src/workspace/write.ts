/**
 * Writing into a workspace the kernel may be changing: sidekernel creates
 * files only as new files (`O_CREAT | O_EXCL | O_NOFOLLOW`), only in
 * directories it has checked are real directories (never symlinks), checks
 * the created file by identity before writing a byte, and writes through the
 * descriptor. Code that replaces `outputs/` by a symlink to somewhere else
 * gets a refusal, not a file written there. See identity.ts and
 * docs/SECURITY.md ("Classes 1 and 2 (workspace files)").
 *
 * Synchronous, because the output renderer that saves images and long text
 * is; each call is a handful of local system calls.
 *
 * @module
 */
import fs from "node:fs";
import { join } from "node:path";
import {
  CREATE_FLAGS,
  errorCode,
  kindOf,
  NotRegularFileError,
  PathChangedError,
  sameFile,
  verifyOpenedSync,
} from "./identity.ts";

/** A file sidekernel created in the workspace, written through its descriptor. */
export interface ContainedFile {
  /** Absolute path under the configured workspace root. */
  readonly path: string;
  /** Appends `bytes`. */
  write(bytes: Uint8Array): void;
  /** Empties the file; the next write starts at its beginning. */
  truncate(): void;
  /** Closes the descriptor. Idempotent. */
  close(): void;
}

/**
 * Makes sure `relativeDir` (e.g. `"outputs"`, `".sidekernel/cells"`) exists
 * under `root` as real directories, creating what is missing.
 *
 * @returns the directory's absolute path under `root`
 * @throws {PathChangedError} a component is a symlink (or not a directory)
 */
export function ensureContainedDirectorySync(root: string, relativeDir: string): string {
  let current = root;
  const shown: string[] = [];
  for (const part of relativeDir.split("/").filter((p) => p !== "" && p !== ".")) {
    if (part === "..") throw new RangeError(`"${relativeDir}" climbs out of "${root}"`);
    shown.push(part);
    current = join(current, part);
    try {
      fs.mkdirSync(current, { mode: 0o755 }); // mkdir never follows a final symlink
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    const stats = fs.lstatSync(current, { bigint: true });
    if (stats.isSymbolicLink()) throw new PathChangedError(shown.join("/"), "symlink");
    if (!stats.isDirectory()) throw new NotRegularFileError(shown.join("/"), kindOf(stats));
  }
  return current;
}

/**
 * Creates the new file `relativePath` under `root` (its directories are
 * created as real directories), refusing symlinks anywhere on the way and a
 * file swapped in while it was created.
 *
 * @example
 * ```ts
 * const file = createContainedFileSync("/workspace", "outputs/output-1.txt");
 * file.write(new TextEncoder().encode("hello"));
 * file.close();
 * ```
 * @throws {PathChangedError} a symlink on the way, or a swap while creating
 * @throws {Error} `EEXIST` when something already has that name
 */
export function createContainedFileSync(root: string, relativePath: string): ContainedFile {
  const parts = relativePath.split("/").filter((p) => p !== "" && p !== ".");
  const name = parts.pop();
  if (!name || name === "..") throw new RangeError(`"${relativePath}" names no file`);
  const dir = ensureContainedDirectorySync(root, parts.join("/"));
  const path = join(dir, name);
  let fd: number;
  try {
    fd = fs.openSync(path, CREATE_FLAGS, 0o644);
  } catch (error) {
    if (errorCode(error) === "ELOOP") throw new PathChangedError(relativePath, "symlink");
    throw error;
  }
  const opened = fs.fstatSync(fd, { bigint: true });
  try {
    if (!opened.isFile()) throw new NotRegularFileError(relativePath, kindOf(opened));
    verifyOpenedSync(root, path, opened);
  } catch (error) {
    fs.closeSync(fd);
    removeIfOurs(path, opened);
    throw error;
  }
  let position = 0;
  let open = true;
  return {
    path,
    write(bytes) {
      let offset = 0;
      while (offset < bytes.length) {
        const n = fs.writeSync(fd, bytes, offset, bytes.length - offset, position);
        offset += n;
        position += n;
      }
    },
    truncate() {
      fs.ftruncateSync(fd, 0);
      position = 0;
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

/**
 * A parent swapped during the create can make the new (empty) file land
 * elsewhere: remove it where the path now leads, if that is still the file
 * created (same device and inode), so nothing of ours stays outside.
 */
function removeIfOurs(path: string, created: fs.BigIntStats): void {
  try {
    if (sameFile(fs.lstatSync(path, { bigint: true }), created)) fs.unlinkSync(path);
  } catch {
    // gone already, or out of reach: nothing more to do
  }
}

/**
 * Writes `data` to the new file `relativePath` under `root` with the rules
 * of {@link createContainedFileSync}; for the executors' cell files.
 *
 * @example
 * ```ts
 * writeNewFileSync("/workspace", ".sidekernel/cells/cell-1a2b.py", "print(1)\n");
 * ```
 * @returns the file's absolute path under `root`
 */
export function writeNewFileSync(
  root: string,
  relativePath: string,
  data: Uint8Array | string,
): string {
  const file = createContainedFileSync(root, relativePath);
  try {
    file.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  } finally {
    file.close();
  }
  return file.path;
}
