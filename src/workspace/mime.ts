/**
 * What a workspace file is, for a resource: its MIME type (by extension,
 * else by content) and whether its bytes are text.
 *
 * @module
 */
import { extname } from "node:path";

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

/**
 * MIME type by extension, else by content (`isText` unknown when listing).
 *
 * @example
 * ```ts
 * mimeTypeOf("outputs/plot.png", undefined); // "image/png"
 * ```
 */
export function mimeTypeOf(
  relative: string,
  isText: boolean | undefined,
  bytes?: Uint8Array,
): string {
  const known = MIME_TYPES[extname(relative).toLowerCase()];
  if (known) return known;
  if (bytes && startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "image/png";
  if (bytes && startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (isText === false) return "application/octet-stream";
  return "text/plain";
}

/** A MIME type whose content is returned as text. */
export function isTextual(mimeType: string): boolean {
  return mimeType.startsWith("text/") || mimeType.endsWith("json") || mimeType.endsWith("+xml");
}

/** The text of `bytes` if they are UTF-8 without NUL bytes, else undefined. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}
