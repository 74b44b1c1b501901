/**
 * IOPub output messages → {@link OutputEvent}s, plus the latest output line
 * for progress reports.
 *
 * @module
 */

import type {
  ClearOutputContent,
  DisplayContent,
  ErrorContent,
  KernelMessage,
  StreamContent,
} from "../kernel/messages.ts";
import type { OutputEvent } from "./executor.ts";

/**
 * Maps one IOPub message of a request to an output event.
 *
 * @param msg An IOPub message whose parent is the request.
 * @returns The event, or undefined for messages that show nothing (`execute_input`, comms…).
 */
export function toOutputEvent(msg: KernelMessage): OutputEvent | undefined {
  switch (msg.header.msg_type) {
    case "stream": {
      const c = msg.content as unknown as StreamContent;
      return { type: "stream", name: c.name === "stderr" ? "stderr" : "stdout", text: c.text };
    }
    case "execute_result":
    case "display_data":
    case "update_display_data": {
      const c = msg.content as unknown as DisplayContent;
      const event: OutputEvent = { type: "display", data: c.data ?? {} };
      const displayId = c.transient?.display_id;
      if (displayId !== undefined) event.displayId = displayId;
      if (msg.header.msg_type === "update_display_data") event.update = true;
      return event;
    }
    case "clear_output":
      return { type: "clear", wait: Boolean((msg.content as unknown as ClearOutputContent).wait) };
    case "error": {
      const c = msg.content as unknown as ErrorContent;
      const event: OutputEvent = {
        type: "error",
        ename: c.ename ?? "Error",
        evalue: c.evalue ?? "",
        traceback: c.traceback ?? [],
      };
      return event.ename === "StdinNotImplementedError" ? clarifyStdinError(event) : event;
    }
    default:
      return undefined;
  }
}

/** What `input()` says here, instead of ipykernel's "this frontend does not support input requests". */
export const STDIN_MESSAGE =
  "input() is not supported: code run by this tool cannot read from stdin; put the values in the code instead";

/**
 * Rewrites the error `input()` raises (the request has `allow_stdin: false`)
 * into a short, clear one: the user's frames are kept, ipykernel's are dropped.
 */
function clarifyStdinError(
  event: Extract<OutputEvent, { type: "error" }>,
): Extract<OutputEvent, { type: "error" }> {
  const frames: string[] = [];
  for (const line of event.traceback) {
    // deno-lint-ignore no-control-regex
    if (/^(\x1b\[[0-9;]*m)*File /.test(line)) break; // ipykernel's own frames start here
    frames.push(line);
  }
  return {
    ...event,
    evalue: STDIN_MESSAGE,
    traceback: [...frames, `${event.ename}: ${STDIN_MESSAGE}`],
  };
}

/** Remembers the latest non-empty output line (ANSI codes removed) for progress reports. */
export class LastLine {
  #line?: string;

  /** The latest non-empty line, if any. */
  get value(): string | undefined {
    return this.#line;
  }

  /**
   * Notes the text an event shows.
   *
   * @param event An output event.
   */
  see(event: OutputEvent): void {
    let text: string | undefined;
    if (event.type === "stream") text = event.text;
    else if (event.type === "display") {
      const plain = event.data["text/plain"];
      if (typeof plain === "string") text = plain;
    } else if (event.type === "error") text = `${event.ename}: ${event.evalue}`;
    if (!text) return;
    // deno-lint-ignore no-control-regex
    const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    const lines = clean.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l.length > 0);
    if (lines.length > 0) this.#line = lines[lines.length - 1].slice(0, 200);
  }
}
