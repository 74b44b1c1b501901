/**
 * Files the renderer saves under `<workspace>/outputs/`: images a cell
 * displayed and the full text of outputs too long to return.
 *
 * @module
 */
import { join } from "node:path";

/** A text file written piece by piece, up to a byte cap. */
export interface TextSpill {
  /** Absolute path of the file. */
  readonly path: string;
  append(text: string): void;
  /** Empties the file (after `clear_output`). */
  reset(): void;
  close(): void;
}

/** Where the renderer puts what it saves. */
export interface OutputFiles {
  /** Saves an image; returns its absolute path. */
  saveImage(bytes: Uint8Array, extension: "png" | "jpeg" | "svg"): string;
  /** Starts a file for the full text of one long output. */
  openTextSpill(): TextSpill;
}

/** Largest full-text file kept for one execution. */
export const SPILL_CAP_BYTES = 64 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Output files under `<workspace>/outputs/`, named by time and a random
 * suffix so that concurrent executions never write the same file.
 *
 * @param workspacePath absolute workspace path
 */
export function workspaceOutputFiles(workspacePath: string): OutputFiles {
  const dir = join(workspacePath, "outputs");
  const name = (prefix: string, ext: string) => {
    Deno.mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const rand = crypto.randomUUID().slice(0, 6);
    return join(dir, `${prefix}-${stamp}-${rand}.${ext}`);
  };
  return {
    saveImage(bytes, extension) {
      const path = name("image", extension === "jpeg" ? "jpg" : extension);
      Deno.writeFileSync(path, bytes);
      return path;
    },
    openTextSpill() {
      const path = name("output", "txt");
      const file = Deno.openSync(path, { write: true, create: true, truncate: true });
      let written = 0;
      let full = false;
      return {
        path,
        append(text) {
          if (full || text === "") return;
          let bytes = encoder.encode(text);
          if (written + bytes.length > SPILL_CAP_BYTES) {
            bytes = bytes.subarray(0, SPILL_CAP_BYTES - written);
            full = true;
          }
          writeAll(file, bytes);
          written += bytes.length;
          if (full) writeAll(file, encoder.encode("\n[file cut at 64 MiB]\n"));
        },
        reset() {
          file.truncateSync(0);
          file.seekSync(0, Deno.SeekMode.Start);
          written = 0;
          full = false;
        },
        close() {
          file.close();
        },
      };
    },
  };
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}
