/**
 * The workspace seen as MCP resources: file URIs, listings, and reading a
 * file or directory into resource contents. Every path goes through
 * {@link Workspace.resolve}; every open goes through read.ts (no-follow,
 * identity-checked, bounded), every walk through walk.ts (bounded, lstat only).
 *
 * URI scheme: a resource URI is the `file:` URL of the file at the
 * configured workspace path, so `--workspace-path /workspace` gives
 * `file:///workspace/outputs/plot.png` — the same path the Python code uses.
 *
 * @module
 */
import type fs from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BlobResourceContents, Resource, TextResourceContents } from "../mcp/sdk.ts";
import { kindOf, lstatOrChangedSync } from "./identity.ts";
import { decodeText, isTextual, mimeTypeOf, toBase64 } from "./mime.ts";
import { isWithin, type Workspace } from "./paths.ts";
import { listContainedDirectory, readContainedFile, statContainedFile } from "./read.ts";
import { type WalkOptions, walkWorkspace } from "./walk.ts";

export { formatBytes, ResourceTooLargeError } from "./read.ts";

/** Directory names never listed: sidekernel's own files and tool caches. */
export const HIDDEN_DIRECTORIES: readonly string[] = [".ipynb_checkpoints", "__pycache__"];
/** sidekernel's internal directory at the workspace root, never listed. */
export const INTERNAL_DIRECTORY = ".sidekernel";
/** Entries visited at most by one listing walk. */
const MAX_WALK = 20_000;
/** Entries shown at most in one directory listing. */
const MAX_DIRECTORY_ENTRIES = 1_000;

/** The `file:` URI prefix of a workspace root, ending in `/`. */
export function workspaceUriPrefix(root: string): string {
  return pathToFileURL(resolve(root)).href.replace(/\/?$/, "/");
}

/** The URI of a path relative to the workspace root (`""` is the root). */
export function uriOf(workspace: Workspace, relativePath: string): string {
  const encoded = relativePath.split("/").map(encodeURIComponent).join("/");
  return workspaceUriPrefix(workspace.root) + encoded;
}

/**
 * The file-system path a `file:` URI names, decoded but not yet contained:
 * pass it to {@link Workspace.resolve}.
 *
 * @throws {URIError} not a `file:` URI, a host, or bad percent-encoding
 */
export function pathOfUri(uri: URL): string {
  if (uri.protocol !== "file:") {
    throw new URIError(`"${uri.href}" is not a file: URI; workspace resources are file: URIs`);
  }
  if (uri.host !== "") {
    throw new URIError(`"${uri.href}" names a host; use file:///path (three slashes)`);
  }
  try {
    return decodeURIComponent(uri.pathname);
  } catch (error) {
    throw new URIError(`"${uri.href}" has malformed percent-encoding`, { cause: error });
  }
}

/** Options of {@link listWorkspaceFiles}. */
export interface ListOptions {
  /** Most files returned, newest first. @default 500 */
  limit?: number;
  /** Bounds of the walk (entries, depth, time). @default walk.ts defaults */
  walk?: Omit<WalkOptions, "skipDirectory">;
}

/** A listing of the newest files under the workspace. */
export interface FileListing {
  resources: Resource[];
  /** Files found (before the limit). */
  found: number;
  /** The walk stopped early at its entry, depth or time bound. */
  incomplete: boolean;
}

/** The directories {@link listWorkspaceFiles} and the watcher do not enter. */
export function isSkippedDirectory(parent: string, name: string): boolean {
  return (parent === "" && name === INTERNAL_DIRECTORY) || HIDDEN_DIRECTORIES.includes(name);
}

/**
 * The newest regular files under the workspace as MCP resources (directories
 * are read through their URI). Skips {@link INTERNAL_DIRECTORY} at the root,
 * {@link HIDDEN_DIRECTORIES}, FIFOs, sockets, devices and symlinks that lead
 * out; does not descend into symlinked directories; bounded by walk.ts.
 */
export async function listWorkspaceFiles(
  workspace: Workspace,
  options: ListOptions = {},
): Promise<FileListing> {
  const walk = await walkWorkspace(workspace.realRoot, {
    maxEntries: MAX_WALK,
    ...options.walk,
    skipDirectory: isSkippedDirectory,
  });
  const files: { relative: string; stats: fs.BigIntStats }[] = [];
  for (const { relative, stats } of walk.entries) {
    if (stats.isFile()) files.push({ relative, stats });
    else if (stats.isSymbolicLink()) {
      const target = await linkedFile(workspace, relative);
      if (target) files.push({ relative, stats: target });
    }
  }
  files.sort((a, b) => Number(b.stats.mtimeMs - a.stats.mtimeMs));
  const limit = options.limit ?? 500;
  return {
    resources: files.slice(0, limit).map(({ relative, stats }) =>
      resourceOf(workspace, relative, stats)
    ),
    found: files.length,
    incomplete: walk.cut !== undefined,
  };
}

/** Options of {@link readWorkspaceEntry}. */
export interface ReadOptions {
  /** Largest file returned, in bytes. @default 10 MiB */
  maxBytes?: number;
}

/**
 * Reads a contained real path: a directory as a text listing, a UTF-8 file as
 * text, any other regular file as a base64 blob; FIFOs, sockets and devices
 * are refused without being opened for reading.
 *
 * @throws {ResourceTooLargeError} past `maxBytes` (also when the file grows while read)
 * @throws {NotRegularFileError | PathChangedError} see read.ts
 */
export async function readWorkspaceEntry(
  workspace: Workspace,
  realPath: string,
  uri: string,
  options: ReadOptions = {},
): Promise<TextResourceContents | BlobResourceContents> {
  const relative = workspace.relativeOf(realPath);
  const info = lstatOrChangedSync(realPath, relative || ".");
  if (info.isDirectory()) {
    return { uri, mimeType: "text/plain", text: await directoryListing(workspace, realPath) };
  }
  const limit = options.maxBytes ?? 10 * 1024 * 1024;
  const bytes = await readContainedFile(workspace.realRoot, realPath, limit);
  const text = decodeText(bytes);
  const mimeType = mimeTypeOf(relative, text !== undefined, bytes);
  if (text !== undefined && isTextual(mimeType)) return { uri, mimeType, text };
  return { uri, mimeType, blob: toBase64(bytes) };
}

const TYPE_LETTERS: Record<string, string> = {
  "regular file": "f",
  directory: "d",
  symlink: "l",
  "FIFO (named pipe)": "p",
  "UNIX socket": "s",
  "character device": "c",
  "block device": "b",
};

async function directoryListing(workspace: Workspace, realPath: string): Promise<string> {
  const relative = workspace.relativeOf(realPath);
  const { entries, more } = await listContainedDirectory(
    workspace.realRoot,
    realPath,
    MAX_DIRECTORY_ENTRIES + 1,
  );
  const rows = entries
    .filter((e) => !(relative === "" && e.name === INTERNAL_DIRECTORY))
    .map((e) => ({ name: e.name + (e.stats.isDirectory() ? "/" : ""), stats: e.stats }));
  const hidden = Math.max(0, rows.length - MAX_DIRECTORY_ENTRIES) + more;
  rows.splice(MAX_DIRECTORY_ENTRIES);
  rows.sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    `directory "${relative || "."}" of the workspace "${workspace.root}": ` +
    `${rows.length + hidden} entries; read an entry at ${uriOf(workspace, relative)}` +
    `${relative ? "/" : ""}<name>`,
    "type        size  modified              name",
  ];
  for (const { name, stats } of rows) {
    const type = TYPE_LETTERS[kindOf(stats)] ?? "?";
    const size = stats.isFile() ? String(stats.size) : "-";
    const time = stats.mtime.toISOString().slice(0, 19) + "Z";
    lines.push(`${type} ${size.padStart(14)}  ${time}  ${name}`);
  }
  if (hidden > 0) lines.push(`… ${hidden} more entries not shown`);
  return lines.join("\n") + "\n";
}

/** The `fstat` of the regular file a workspace symlink leads to, if it stays inside. */
async function linkedFile(
  workspace: Workspace,
  relative: string,
): Promise<fs.BigIntStats | undefined> {
  try {
    const real = await workspace.resolve(relative);
    if (!isWithin(workspace.realRoot, real)) return undefined;
    return statContainedFile(workspace.realRoot, real);
  } catch {
    return undefined; // dangling, escaping or vanished: not listed
  }
}

function resourceOf(workspace: Workspace, relative: string, stats: fs.BigIntStats): Resource {
  return {
    uri: uriOf(workspace, relative),
    name: relative,
    mimeType: mimeTypeOf(relative, undefined),
    size: Number(stats.size),
    annotations: { lastModified: stats.mtime.toISOString() },
  };
}
