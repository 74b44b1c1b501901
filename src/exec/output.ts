/**
 * The output renderer shared by every executor: turns a cell's
 * {@link OutputEvent}s into what a notebook cell shows, as one self-contained
 * text block (`content[0]`) plus image content after it.
 *
 * Memory stays bounded however much a cell prints: past `memoryCap`
 * characters the oldest text is frozen into a head, a tail and a file under
 * `<workspace>/outputs/`, and only the head and tail stay in memory.
 *
 * @module
 */
import type { ContentBlock } from "../mcp/sdk.ts";
import type { TextSpill } from "../workspace/outputs.ts";
import type { OutputFiles } from "../workspace/outputs.ts";
import type { ExecutionResult, OutputEvent } from "./executor.ts";
import { AnsiStream, applyCarriageReturns, headTail, stripAnsi } from "./text.ts";

/** The exact text returned when a cell printed nothing (gpt-oss's wording). */
export const NO_OUTPUT =
  "[WARN] No output available. Use print() to output anything to stdout to receive the output";

/** Options of {@link CellOutput}. */
export interface CellOutputOptions {
  /** `--max-output`: characters of text returned before head+tail truncation. */
  maxOutput: number;
  files: OutputFiles;
  /** Wording of state in timeout lines: stateless executors have none to keep. */
  stateful: boolean;
  /**
   * Characters kept in memory before old output is frozen.
   * @default max(4 × maxOutput, 1 MiB)
   */
  memoryCap?: number;
  /**
   * Images returned as MCP image content (all are saved and named).
   * @default 4
   */
  maxImages?: number;
}

type Block =
  | { kind: "stream"; name: string; text: string }
  | { kind: "text"; text: string; displayId?: string };

const IMAGE_TYPES = [
  ["image/png", "png"],
  ["image/jpeg", "jpeg"],
  ["image/svg+xml", "svg"],
] as const;

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * Collects one execution's output and renders it.
 *
 * @example
 * ```ts
 * const out = new CellOutput({ maxOutput: 20000, files, stateful: false });
 * out.push({ type: "stream", name: "stdout", text: "hi\n" });
 * const content = out.finish({ end: { kind: "ok" }, notes: [] }); // [{type:"text", text:"hi\n"}]
 * ```
 */
export class CellOutput {
  readonly #opts: Required<CellOutputOptions>;
  #blocks: Block[] = [];
  #liveChars = 0;
  #pendingClear = false;
  readonly #ansi = new Map<string, AnsiStream>();
  #images: { data: string; mimeType: string }[] = [];
  // Frozen output (only when a cell printed more than memoryCap characters).
  #frozenChars = 0;
  #frozenHead = "";
  #frozenTail = "";
  #spill?: TextSpill;
  /** Why the full text could not be saved (disk full, …), once that happened. */
  #spillError?: string;
  #lastLine?: string;
  #iopubDropped = false;
  #truncated = false;

  constructor(options: CellOutputOptions) {
    this.#opts = {
      memoryCap: Math.max(4 * options.maxOutput, 1 << 20),
      maxImages: 4,
      ...options,
    };
  }

  /** True once {@link finish} had to cut the text to `maxOutput`. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** The latest non-empty output line, for progress notifications. */
  get lastLine(): string | undefined {
    return this.#lastLine;
  }

  /** Adds one event, in arrival order. */
  push(event: OutputEvent): void {
    if (event.type === "clear") {
      if (event.wait) this.#pendingClear = true;
      else this.#clear();
      return;
    }
    if (this.#pendingClear) {
      this.#pendingClear = false;
      this.#clear();
    }
    if (event.type === "stream") this.#pushStream(event.name, event.text);
    else if (event.type === "error") this.#pushError(event);
    else this.#pushDisplay(event.data, event.displayId, event.update === true);
    if (this.#liveChars > this.#opts.memoryCap) this.#freeze();
  }

  /**
   * Renders the cell: output text, then lines about how it ended.
   *
   * @returns MCP content: the text block first, then image content.
   */
  finish(result: ExecutionResult): ContentBlock[] {
    const status = statusLines(result, this.#opts.stateful);
    if (this.#iopubDropped) {
      status.push(
        "[NOTE] Jupyter dropped some output because the cell printed faster than its IOPub " +
          "rate limit; write large output to a file in the workspace and print a summary.",
      );
    }
    let text = this.#render();
    if (text.length > 0 && !text.endsWith("\n") && status.length > 0) text += "\n";
    const withStatus = text + status.join("\n");
    const body = withStatus.trim() === "" ? NO_OUTPUT : withStatus;
    const content: ContentBlock[] = [{ type: "text", text: body }];
    for (const image of this.#images) content.push({ type: "image", ...image });
    try {
      this.#spill?.close();
    } catch {
      // Closing a file that failed to write: nothing more to tell.
    }
    return content;
  }

  #render(): string {
    const live = this.#blocks.map(blockText).join("");
    const { maxOutput } = this.#opts;
    const total = this.#frozenChars + live.length;
    if (total <= maxOutput) return live;
    this.#truncated = true;
    this.#spillAppend(live);
    const where = this.#spillError
      ? `the full output could not be saved (${this.#spillError})`
      : `the full output is saved in ${this.#spill?.path}`;
    const marker = (cut: number) =>
      `\n[... ${cut.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} characters ` +
      `cut here; ${where} ...]\n`;
    const pseudo = this.#frozenChars === 0
      ? live
      : this.#frozenHead.slice(0, maxOutput) + (this.#frozenTail + live).slice(-maxOutput);
    const hidden = total - pseudo.length;
    return headTail(pseudo, maxOutput, (cut) => marker(cut + hidden)).text;
  }

  #pushStream(name: string, raw: string): void {
    let ansi = this.#ansi.get(name);
    if (!ansi) this.#ansi.set(name, ansi = new AnsiStream());
    const clean = ansi.push(raw);
    if (clean === "") return;
    if (name === "stderr" && clean.includes("IOPub data rate exceeded")) this.#iopubDropped = true;
    const last = this.#blocks.at(-1);
    if (last?.kind === "stream" && last.name === name) {
      // Only the last, unfinished line can still change.
      const lineStart = last.text.lastIndexOf("\n") + 1;
      const tail = applyCarriageReturns(last.text.slice(lineStart) + clean);
      this.#liveChars += tail.length - (last.text.length - lineStart);
      last.text = last.text.slice(0, lineStart) + tail;
    } else {
      const text = applyCarriageReturns(clean);
      this.#blocks.push({ kind: "stream", name, text });
      this.#liveChars += text.length;
    }
    this.#noteLastLine(clean);
  }

  #pushError(event: Extract<OutputEvent, { type: "error" }>): void {
    const lines = event.traceback.length > 0
      ? event.traceback.map(stripAnsi)
      : [`${event.ename}: ${event.evalue}`];
    const text = lines.join("\n") + "\n";
    this.#blocks.push({ kind: "text", text });
    this.#liveChars += text.length;
    this.#noteLastLine(`${event.ename}: ${event.evalue}`);
  }

  #pushDisplay(data: Record<string, unknown>, displayId: string | undefined, update: boolean) {
    const text = this.#displayText(data);
    if (update) {
      for (const block of this.#blocks) {
        if (block.kind === "text" && displayId !== undefined && block.displayId === displayId) {
          this.#liveChars += text.length - block.text.length;
          block.text = text;
        }
      }
      return;
    }
    this.#blocks.push({ kind: "text", text, displayId });
    this.#liveChars += text.length;
    this.#noteLastLine(text);
  }

  #displayText(data: Record<string, unknown>): string {
    for (const [mime, ext] of IMAGE_TYPES) {
      const value = data[mime];
      if (typeof value !== "string") continue;
      const bytes = mime === "image/svg+xml"
        ? new TextEncoder().encode(value)
        : decodeBase64(value.replace(/\s+/g, ""));
      if (!bytes) continue;
      if (this.#images.length < this.#opts.maxImages && bytes.length <= MAX_IMAGE_BYTES) {
        this.#images.push({ data: encodeBase64(bytes), mimeType: mime });
      }
      try {
        return `[image saved to ${this.#opts.files.saveImage(bytes, ext)}]\n`;
      } catch (error) {
        return `[image not saved: ${describe(error)}]\n`;
      }
    }
    const plain = data["text/plain"];
    if (typeof plain === "string") return stripAnsi(plain) + "\n";
    const types = Object.keys(data).join(", ");
    return types ? `[display of type ${types} not shown as text]\n` : "";
  }

  #noteLastLine(text: string): void {
    const lines = text.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== "");
    if (lines.length > 0) this.#lastLine = lines[lines.length - 1].slice(0, 200);
  }

  #clear(): void {
    this.#blocks = [];
    this.#liveChars = 0;
    this.#frozenChars = 0;
    this.#frozenHead = "";
    this.#frozenTail = "";
    this.#fileOp(() => this.#spill?.reset());
  }

  /** Appends to the full-text file, opening it first; a failure is remembered, not thrown. */
  #spillAppend(text: string): void {
    this.#fileOp(() => {
      this.#spill ??= this.#opts.files.openTextSpill();
      this.#spill.append(text);
    });
  }

  #fileOp(op: () => void): void {
    if (this.#spillError) return;
    try {
      op();
    } catch (error) {
      this.#spillError = describe(error);
    }
  }

  /** Moves all but the last block (or the start of a huge last block) into frozen storage. */
  #freeze(): void {
    const { maxOutput } = this.#opts;
    const keep = this.#blocks.pop()!;
    let text = this.#blocks.map(blockText).join("");
    this.#blocks = [keep];
    if (keep.text.length > maxOutput) {
      // A single stream that keeps growing: freeze all but its current last line.
      const cut = Math.max(keep.text.lastIndexOf("\n", keep.text.length - 2) + 1, 0) ||
        keep.text.length - maxOutput;
      text += keep.text.slice(0, cut);
      keep.text = keep.text.slice(cut);
    }
    this.#liveChars = keep.text.length;
    if (text === "") return;
    this.#spillAppend(text);
    if (this.#frozenHead.length < maxOutput) {
      this.#frozenHead += text.slice(0, maxOutput - this.#frozenHead.length);
    }
    this.#frozenTail = (this.#frozenTail + text).slice(-maxOutput);
    this.#frozenChars += text.length;
  }
}

function blockText(block: Block): string {
  // A line that ended in "\r" and was never overwritten shows as it is.
  return block.text.endsWith("\r") ? block.text.slice(0, -1) : block.text;
}

function statusLines(result: ExecutionResult, stateful: boolean): string[] {
  const lines: string[] = [];
  const end = result.end;
  const state = (kept: boolean) =>
    !stateful
      ? "the process and everything it started were stopped."
      : kept
      ? "the kernel's state was kept (variables from earlier calls still exist)."
      : "the kernel had to be restarted, so earlier variables and imports are gone.";
  if (end.kind === "timeout") {
    lines.push(
      `[TIMEOUT] Execution timed out after ${end.seconds} s and was interrupted; ${
        state(end.stateKept)
      } Make long work faster, or split it into shorter calls.`,
    );
  } else if (end.kind === "cancelled") {
    lines.push(
      `[CANCELLED] The call was cancelled and the code interrupted; ${state(end.stateKept)}`,
    );
  } else if (end.kind === "lost") {
    lines.push(
      `[STATE LOST] ${end.reason}. Variables and imports from earlier calls are gone; the next ` +
        `call runs on a new kernel; files in the workspace are kept.`,
    );
  }
  lines.push(...result.notes);
  return lines;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}
