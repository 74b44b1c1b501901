/**
 * Byte handling of one stateless call: the code's output as UTF-8 text, and
 * the control lines of its supervisor (src/exec/supervisor.ts) parsed into
 * displays, the out-of-memory flag and the exit code.
 *
 * @module
 */

/** Decodes bytes as UTF-8 (bad bytes become U+FFFD), keeping split characters whole. */
export class TextPump {
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });
  readonly #onText: (text: string) => void;

  constructor(onText: (text: string) => void) {
    this.#onText = onText;
  }

  /** Decodes a chunk and passes on the text it completes. */
  push(bytes: Uint8Array): void {
    const text = this.#decoder.decode(bytes, { stream: true });
    if (text) this.#onText(text);
  }

  /** Passes on what is left at the end of the stream. */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest) this.#onText(rest);
  }
}

const MAX_LINE = 64 * 1024 * 1024;
const MAX_OTHER = 65536;

/** Parses the supervisor's control lines. */
export class ControlReader {
  readonly #onDisplay: (data: Record<string, unknown>) => void;
  readonly #decoder = new TextDecoder();
  #partial = "";
  /** The exit code the supervisor reported (negative: killed by that signal). */
  exitCode?: number;
  /** True when the code raised `MemoryError`. */
  outOfMemory = false;
  /** Anything else written there (Python's own errors when the supervisor failed). */
  otherText = "";

  constructor(onDisplay: (data: Record<string, unknown>) => void) {
    this.#onDisplay = onDisplay;
  }

  /** Takes a chunk; complete lines are handled at once. */
  push(bytes: Uint8Array): void {
    this.#partial += this.#decoder.decode(bytes, { stream: true });
    let eol: number;
    while ((eol = this.#partial.indexOf("\n")) >= 0) {
      this.#line(this.#partial.slice(0, eol));
      this.#partial = this.#partial.slice(eol + 1);
    }
    if (this.#partial.length > MAX_LINE) {
      this.#other(this.#partial.slice(0, 1000));
      this.#partial = "";
    }
  }

  /** Handles a last line without a newline. */
  end(): void {
    this.#partial += this.#decoder.decode();
    if (this.#partial) this.#line(this.#partial);
    this.#partial = "";
  }

  #line(line: string): void {
    let message: unknown;
    try {
      message = line.startsWith("{") ? JSON.parse(line) : undefined;
    } catch {
      message = undefined;
    }
    if (typeof message !== "object" || message === null || !("t" in message)) {
      this.#other(line + "\n");
      return;
    }
    const m = message as { t: unknown; code?: unknown; data?: unknown };
    if (m.t === "exit" && typeof m.code === "number") this.exitCode = m.code;
    else if (m.t === "memory") this.outOfMemory = true;
    else if (m.t === "display" && typeof m.data === "object" && m.data !== null) {
      this.#onDisplay(m.data as Record<string, unknown>);
    } else this.#other(line + "\n");
  }

  #other(text: string): void {
    if (this.otherText.length < MAX_OTHER) this.otherText += text;
  }
}
