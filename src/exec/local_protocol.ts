/**
 * The wire of the `local` executor's driver (src/exec/local_driver_py.ts):
 * the messages it sends as JSON lines on its message channel, and the
 * scanner that finds its markers in the code's output stream.
 *
 * A marker is `NUL "SK" <nonce> ":" <seq> NUL`; it says "message <seq>
 * belongs here", so a display or the end of a cell lands exactly where it
 * happened between the bytes the code wrote.
 *
 * @module
 */

/** A message of the driver, parsed from one JSON line. */
export type DriverMessage =
  | { type: "ready"; pid: number; version: string }
  | { type: "exit"; code: number }
  | {
    type: "display";
    seq: number;
    data: Record<string, unknown>;
    display_id?: string;
    update?: boolean;
  }
  | { type: "clear"; seq: number; wait: boolean }
  | { type: "error"; seq: number; ename: string; evalue: string; traceback: string[] }
  | { type: "done"; seq: number; status: "ok" | "error" };

/**
 * Parses one line of the message channel.
 *
 * @returns the message, or undefined for a line that is not one (e.g. Python's own start-up error)
 */
export function parseDriverMessage(line: string): DriverMessage | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line);
    return typeof value === "object" && value !== null && typeof value.type === "string"
      ? value as DriverMessage
      : undefined;
  } catch {
    return undefined;
  }
}

/** A piece of the output stream: bytes the code wrote, or a marker. */
export type StreamPiece = { kind: "bytes"; bytes: Uint8Array } | { kind: "marker"; seq: number };

const MAX_SEQ_DIGITS = 15;

/**
 * Splits the code's output stream into bytes and markers, across chunk
 * boundaries. Anything that only looks like the start of a marker is kept
 * back until the next chunk decides it.
 *
 * @example
 * ```ts
 * const scanner = new MarkerScanner("abc");
 * scanner.push(new TextEncoder().encode("hi\0SKabc:1\0")); // bytes "hi", marker 1
 * ```
 */
export class MarkerScanner {
  readonly #prefix: Uint8Array;
  #carry: Uint8Array = new Uint8Array(0);

  /** @param nonce the random word the driver was started with */
  constructor(nonce: string) {
    this.#prefix = new TextEncoder().encode(`\0SK${nonce}:`);
  }

  /** Scans one chunk; returns its pieces in order. */
  push(chunk: Uint8Array): StreamPiece[] {
    let data = chunk;
    if (this.#carry.length > 0) {
      data = new Uint8Array(this.#carry.length + chunk.length);
      data.set(this.#carry);
      data.set(chunk, this.#carry.length);
      this.#carry = new Uint8Array(0);
    }
    const pieces: StreamPiece[] = [];
    let start = 0;
    let i = data.indexOf(0);
    while (i !== -1) {
      const found = this.#match(data, i);
      if (found === "partial") {
        if (i > start) pieces.push({ kind: "bytes", bytes: data.subarray(start, i) });
        this.#carry = data.slice(i);
        return pieces;
      }
      if (found !== undefined) {
        if (i > start) pieces.push({ kind: "bytes", bytes: data.subarray(start, i) });
        pieces.push({ kind: "marker", seq: found.seq });
        start = found.end;
        i = data.indexOf(0, start);
      } else {
        i = data.indexOf(0, i + 1);
      }
    }
    if (start < data.length) pieces.push({ kind: "bytes", bytes: data.subarray(start) });
    return pieces;
  }

  /** Bytes held back at the end of the stream (an unfinished look-alike). */
  flush(): Uint8Array {
    const rest = this.#carry;
    this.#carry = new Uint8Array(0);
    return rest;
  }

  #match(data: Uint8Array, at: number): { seq: number; end: number } | "partial" | undefined {
    const prefix = this.#prefix;
    for (let k = 0; k < prefix.length; k++) {
      if (at + k >= data.length) return "partial";
      if (data[at + k] !== prefix[k]) return undefined;
    }
    let seq = 0;
    let j = at + prefix.length;
    for (; j < data.length && j - at - prefix.length <= MAX_SEQ_DIGITS; j++) {
      const c = data[j];
      if (c === 0) return j > at + prefix.length ? { seq, end: j + 1 } : undefined;
      if (c < 48 || c > 57) return undefined;
      seq = seq * 10 + (c - 48);
    }
    return j >= data.length ? "partial" : undefined;
  }
}
