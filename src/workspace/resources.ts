/**
 * The workspace seen as MCP resources: file URIs, listings, and reading a
 * file or directory into resource contents. Every path goes through
 * {@link Workspace.resolve}.
 *
 * URI scheme: a resource URI is the `file:` URL of the file at the
 * configured workspace path, so `--workspace-path /workspace` gives
 * `file:///workspace/outputs/plot.png` — the same path the Python code uses.
 *
 * @module
 */
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BlobResourceContents, Resource, TextResourceContents } from "../server/sdk.ts";
import { isWithin, type Workspace } from "./paths.ts";

/** Directory names never listed: sidekernel's own files and tool caches. */
export const HIDDEN_DIRECTORIES: readonly string[] = [".ipynb_checkpoints", "__pycache__"];
/** sidekernel's internal directory at the workspace root, never listed. */
export const INTERNAL_DIRECTORY = ".sidekernel";
/** Entries visited at most by one listing walk. */
const MAX_WALK = 20_000;
/** Entries shown at most in one directory listing. */
const MAX_DIRECTORY_ENTRIES = 1_000;

/** A file too large to return as a resource. */
export class ResourceTooLargeError extends RangeError {
  override name = "ResourceTooLargeError";
  /** Size of the file in bytes. */
  readonly size: number;

  constructor(relativePath: string, size: number, limit: number) {
    super(
      `file "${relativePath}" is ${formatBytes(size)}, over the ${formatBytes(limit)} ` +
        `resource limit; read a part of it with the python tool instead`,
    );
    this.size = size;
  }
}

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
}

/** A listing of the newest files under the workspace. */
export interface FileListing {
  resources: Resource[];
  /** Files found (before the limit). */
  found: number;
  /** The walk stopped early at its entry cap. */
  incomplete: boolean;
}

/**
 * The newest files under the workspace as MCP resources (directories are read
 * through their URI). Skips {@link INTERNAL_DIRECTORY} at the root,
 * {@link HIDDEN_DIRECTORIES}, and symlinks that lead out; does not descend
 * into symlinked directories.
 */
export async function listWorkspaceFiles(
  workspace: Workspace,
  options: ListOptions = {},
): Promise<FileListing> {
  const files: { relative: string; info: Deno.FileInfo }[] = [];
  const queue = [""];
  let visited = 0;
  let incomplete = false;
  walk: while (queue.length > 0) {
    const dir = queue.shift() as string;
    let entries: AsyncIterable<Deno.DirEntry>;
    try {
      entries = Deno.readDir(join(workspace.realRoot, dir));
      for await (const entry of entries) {
        if (++visited > MAX_WALK) {
          incomplete = true;
          break walk;
        }
        const relative = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory) {
          if (dir === "" && entry.name === INTERNAL_DIRECTORY) continue;
          if (HIDDEN_DIRECTORIES.includes(entry.name)) continue;
          queue.push(relative);
          continue;
        }
        const info = await statContained(workspace, relative);
        if (info?.isFile) files.push({ relative, info });
      }
    } catch (error) {
      // A directory removed or unreadable while walking: skip it.
      if (
        !(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)
      ) {
        throw error;
      }
    }
  }
  files.sort((a, b) => (b.info.mtime?.getTime() ?? 0) - (a.info.mtime?.getTime() ?? 0));
  const limit = options.limit ?? 500;
  return {
    resources: files.slice(0, limit).map(({ relative, info }) =>
      resourceOf(workspace, relative, info)
    ),
    found: files.length,
    incomplete,
  };
}

/** Options of {@link readWorkspaceEntry}. */
export interface ReadOptions {
  /** Largest file returned, in bytes. @default 10 MiB */
  maxBytes?: number;
}

/**
 * Reads a contained real path: a directory as a text listing, a UTF-8 file as
 * text, anything else as a base64 blob.
 *
 * @throws {ResourceTooLargeError} past `maxBytes`
 */
export async function readWorkspaceEntry(
  workspace: Workspace,
  realPath: string,
  uri: string,
  options: ReadOptions = {},
): Promise<TextResourceContents | BlobResourceContents> {
  const relative = workspace.relativeOf(realPath);
  const info = await Deno.stat(realPath);
  if (info.isDirectory) {
    return { uri, mimeType: "text/plain", text: await directoryListing(workspace, realPath) };
  }
  const limit = options.maxBytes ?? 10 * 1024 * 1024;
  if (info.size > limit) throw new ResourceTooLargeError(relative, info.size, limit);
  const bytes = await Deno.readFile(realPath);
  if (bytes.length > limit) throw new ResourceTooLargeError(relative, bytes.length, limit);
  const text = decodeText(bytes);
  const mimeType = mimeTypeOf(relative, text !== undefined, bytes);
  if (text !== undefined && isTextual(mimeType)) return { uri, mimeType, text };
  return { uri, mimeType, blob: toBase64(bytes) };
}

async function directoryListing(workspace: Workspace, realPath: string): Promise<string> {
  const relative = workspace.relativeOf(realPath);
  const rows: { name: string; info?: Deno.FileInfo }[] = [];
  let more = 0;
  for await (const entry of Deno.readDir(realPath)) {
    if (relative === "" && entry.name === INTERNAL_DIRECTORY) continue;
    if (rows.length >= MAX_DIRECTORY_ENTRIES) {
      more++;
      continue;
    }
    // lstat: a symlink's target (maybe outside) is not described here.
    const info = await Deno.lstat(join(realPath, entry.name)).catch(() => undefined);
    rows.push({ name: entry.name + (info?.isDirectory ? "/" : ""), info });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    `directory "${relative || "."}" of the workspace "${workspace.root}": ` +
    `${rows.length + more} entries; read an entry at ${uriOf(workspace, relative)}` +
    `${relative ? "/" : ""}<name>`,
    "type        size  modified              name",
  ];
  for (const { name, info } of rows) {
    const type = info === undefined ? "?" : info.isSymlink ? "l" : info.isDirectory ? "d" : "f";
    const size = info?.isFile ? String(info.size) : "-";
    const time = info?.mtime?.toISOString().slice(0, 19) + "Z";
    lines.push(`${type} ${size.padStart(14)}  ${info?.mtime ? time : "-".padEnd(20)}  ${name}`);
  }
  if (more > 0) lines.push(`… ${more} more entries not shown`);
  return lines.join("\n") + "\n";
}

async function statContained(
  workspace: Workspace,
  relative: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    const real = await workspace.resolve(relative);
    if (!isWithin(workspace.realRoot, real)) return undefined;
    return await Deno.stat(real);
  } catch {
    return undefined; // dangling, escaping or vanished: not listed
  }
}

function resourceOf(workspace: Workspace, relative: string, info: Deno.FileInfo): Resource {
  return {
    uri: uriOf(workspace, relative),
    name: relative,
    mimeType: mimeTypeOf(relative, undefined),
    size: info.size,
    ...(info.mtime ? { annotations: { lastModified: info.mtime.toISOString() } } : {}),
  };
}

const MIME_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
  ".json": "application/json",
  ".ipynb": "application/x-ipynb+json",
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".md": "text/markdown",
  ".html": "text/html",
  ".py": "text/x-python",
  ".txt": "text/plain",
  ".log": "text/plain",
  ".parquet": "application/vnd.apache.parquet",
  ".zip": "application/zip",
  ".gz": "application/gzip",
};

/** MIME type by extension, else by content (`isText` unknown when listing). */
function mimeTypeOf(relative: string, isText: boolean | undefined, bytes?: Uint8Array): string {
  const known = MIME_TYPES[extname(relative).toLowerCase()];
  if (known) return known;
  if (bytes && startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "image/png";
  if (bytes && startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (isText === false) return "application/octet-stream";
  return "text/plain";
}

function isTextual(mimeType: string): boolean {
  return mimeType.startsWith("text/") || mimeType.endsWith("json") || mimeType.endsWith("+xml");
}

/** The text of `bytes` if they are UTF-8 without NUL bytes, else undefined. */
function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
