/**
 * Text helpers of the output renderer: ANSI stripping, carriage-return
 * handling as a notebook shows it, and head+tail truncation.
 *
 * @module
 */

// CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`), and two-byte escapes.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// An escape sequence cut off at the end of a chunk.
// deno-lint-ignore no-control-regex
const PARTIAL_ANSI = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*)?$/;

/** Removes ANSI colour and cursor sequences, e.g. from IPython tracebacks. */
export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI, "") : text;
}

/**
 * Applies `\r` the way Jupyter front ends do: text after a carriage return
 * replaces the line it is on, so a progress bar ends as its last state.
 * `\r\n` is a plain newline. A trailing `\r` is kept, because the next chunk
 * overwrites that line.
 */
export function applyCarriageReturns(text: string): string {
  if (!text.includes("\r")) return text;
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  return lines.map((line, i) => {
    const last = i === lines.length - 1;
    const body = last && line.endsWith("\r") ? line.slice(0, -1) : line;
    const cut = body.lastIndexOf("\r");
    const kept = cut === -1 ? body : body.slice(cut + 1);
    return last && line.endsWith("\r") ? kept + "\r" : kept;
  }).join("\n");
}

/**
 * Strips ANSI sequences from a stream, holding back an escape sequence that a
 * chunk boundary cut in two until the rest arrives.
 */
export class AnsiStream {
  #pending = "";
  /** Returns the clean text of `chunk`, minus any unfinished escape at its end. */
  push(chunk: string): string {
    let text = this.#pending + chunk;
    this.#pending = "";
    const partial = PARTIAL_ANSI.exec(text);
    if (partial && partial[0].length < 256) {
      this.#pending = partial[0];
      text = text.slice(0, partial.index);
    }
    return stripAnsi(text);
  }
}

/** Result of {@link headTail}. */
export interface Truncated {
  text: string;
  /** Characters left out of the middle. */
  cut: number;
}

/**
 * Keeps the head and the tail of `text` so that the result, with `marker(cut)`
 * between them, is about `limit` characters. Cuts at line ends when one is near.
 */
export function headTail(text: string, limit: number, marker: (cut: number) => string): Truncated {
  if (text.length <= limit) return { text, cut: 0 };
  const budget = Math.max(limit - marker(text.length).length, 20);
  let headEnd = Math.floor(budget / 2);
  let tailStart = text.length - (budget - headEnd);
  const nl = text.lastIndexOf("\n", headEnd);
  if (nl > headEnd * 0.8) headEnd = nl + 1;
  const nl2 = text.indexOf("\n", tailStart);
  if (nl2 !== -1 && nl2 - tailStart < (text.length - tailStart) * 0.2) tailStart = nl2 + 1;
  const cut = tailStart - headEnd;
  return { text: text.slice(0, headEnd) + marker(cut) + text.slice(tailStart), cut };
}
