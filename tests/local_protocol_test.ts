/**
 * The local executor's output markers are found wherever the pipe cuts the
 * stream, and bytes that only look like one are passed on unchanged.
 */
import assert from "node:assert/strict";
import { MarkerScanner, parseDriverMessage, type StreamPiece } from "../src/exec/local_protocol.ts";

const enc = new TextEncoder();

/** Feeds `text` in chunks of `size` bytes; returns text and markers merged in order. */
function scan(text: string, size: number): (string | number)[] {
  const scanner = new MarkerScanner("ab12");
  const bytes = enc.encode(text);
  const pieces: StreamPiece[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    pieces.push(...scanner.push(bytes.subarray(i, i + size)));
  }
  const rest = scanner.flush();
  if (rest.length > 0) pieces.push({ kind: "bytes", bytes: rest });
  const out: (string | number)[] = [];
  const dec = new TextDecoder();
  for (const piece of pieces) {
    if (piece.kind === "marker") out.push(piece.seq);
    else {
      // As the executor reads: one streaming decoder, so a character cut in two is whole again.
      const text = dec.decode(piece.bytes, { stream: true });
      if (typeof out.at(-1) === "string") out[out.length - 1] += text;
      else out.push(text);
    }
  }
  return out;
}

Deno.test("MarkerScanner finds markers at every chunk size, in order with the text", () => {
  const stream = "héllo\n\0SKab12:1\0wörld\0SKab12:23\0";
  for (let size = 1; size <= stream.length + 2; size++) {
    assert.deepEqual(scan(stream, size), ["héllo\n", 1, "wörld", 23], `chunks of ${size}`);
  }
});

Deno.test("MarkerScanner passes on NUL bytes and look-alikes with another nonce", () => {
  for (const size of [1, 3, 64]) {
    assert.deepEqual(scan("a\0b\0SKzz99:1\0c\0SKab12:x\0", size), [
      "a\0b\0SKzz99:1\0c\0SKab12:x\0",
    ]);
  }
  assert.deepEqual(scan("end\0SKab1", 4), ["end\0SKab1"], "an unfinished look-alike at the end");
});

Deno.test("parseDriverMessage() reads JSON lines and ignores anything else", () => {
  assert.deepEqual(parseDriverMessage('{"type":"done","seq":3,"status":"ok"}'), {
    type: "done",
    seq: 3,
    status: "ok",
  });
  assert.equal(parseDriverMessage("Fatal Python error: init_fs_encoding"), undefined);
  assert.equal(parseDriverMessage("{not json"), undefined);
});
