/**
 * Files the renderer saves under `<workspace>/outputs/`: images a cell
 * displayed and the full text of outputs too long to return.
 *
 * @module
 */
import { createContainedFileSync } from "./write.ts";

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
 * suffix so that concurrent executions never write the same file. Files are
 * created new, never through a symlink (src/workspace/write.ts): code that
 * replaces `outputs/` by a link gets "image not saved", not a file elsewhere.
 *
 * @param workspacePath absolute workspace path
 */
export function workspaceOutputFiles(workspacePath: string): OutputFiles {
  const create = (prefix: string, ext: string) => {
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const rand = crypto.randomUUID().slice(0, 6);
    return createContainedFileSync(workspacePath, `outputs/${prefix}-${stamp}-${rand}.${ext}`);
  };
  return {
    saveImage(bytes, extension) {
      const file = create("image", extension === "jpeg" ? "jpg" : extension);
      try {
        file.write(bytes);
      } finally {
        file.close();
      }
      return file.path;
    },
    openTextSpill() {
      const file = create("output", "txt");
      let written = 0;
      let full = false;
      return {
        path: file.path,
        append(text) {
          if (full || text === "") return;
          let bytes = encoder.encode(text);
          if (written + bytes.length > SPILL_CAP_BYTES) {
            bytes = bytes.subarray(0, SPILL_CAP_BYTES - written);
            full = true;
          }
          file.write(bytes);
          written += bytes.length;
          if (full) file.write(encoder.encode("\n[file cut at 64 MiB]\n"));
        },
        reset() {
          file.truncate();
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
