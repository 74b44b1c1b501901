import assert from "node:assert/strict";
import { join } from "node:path";
import { workspaceOutputFiles } from "../workspace/outputs.ts";
import { CellOutput, NO_OUTPUT } from "./output.ts";
import type { ExecutionResult, OutputEvent } from "./executor.ts";

const OK: ExecutionResult = { end: { kind: "ok" }, notes: [] };
// A 1×1 transparent PNG.
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

function render(events: OutputEvent[], result = OK, maxOutput = 20000, stateful = true) {
  const dir = Deno.makeTempDirSync();
  const out = new CellOutput({ maxOutput, files: workspaceOutputFiles(dir), stateful });
  for (const e of events) out.push(e);
  const content = out.finish(result);
  return { content, text: (content[0] as { text: string }).text, dir };
}

const stdout = (text: string): OutputEvent => ({ type: "stream", name: "stdout", text });
const stderr = (text: string): OutputEvent => ({ type: "stream", name: "stderr", text });

Deno.test("CellOutput keeps stdout, stderr and display results in arrival order", () => {
  const { text } = render([
    stdout("a\n"),
    stderr("warn\n"),
    { type: "display", data: { "text/plain": "42" } },
    stdout("b\n"),
  ]);
  assert.equal(text, "a\nwarn\n42\nb\n");
});

Deno.test("CellOutput with nothing printed returns the gpt-oss warning text", () => {
  assert.equal(render([]).text, NO_OUTPUT);
});

Deno.test("CellOutput applies \\r: a progress bar ends as its last state", () => {
  const events = Array.from({ length: 1000 }, (_, i) => stdout(`\r${i + 1}/1000`));
  const { text } = render([...events, stdout("\ndone\n")]);
  assert.equal(text, "1000/1000\ndone\n");
});

Deno.test("CellOutput applies clear_output, immediately and with wait", () => {
  assert.equal(
    render([stdout("old\n"), { type: "clear", wait: false }, stdout("new\n")]).text,
    "new\n",
  );
  assert.equal(
    render([stdout("old\n"), { type: "clear", wait: true }, stdout("new\n")]).text,
    "new\n",
  );
});

Deno.test("CellOutput applies update_display_data to the display with that id", () => {
  const { text } = render([
    { type: "display", data: { "text/plain": "step 1" }, displayId: "p" },
    stdout("log\n"),
    { type: "display", data: { "text/plain": "step 9" }, displayId: "p", update: true },
  ]);
  assert.equal(text, "step 9\nlog\n");
});

Deno.test("CellOutput shows a traceback once, without ANSI colours", () => {
  const { text } = render([{
    type: "error",
    ename: "ValueError",
    evalue: "bad",
    traceback: ["\x1b[0;31m---------\x1b[0m", "\x1b[0;31mValueError\x1b[0m: bad"],
  }], { end: { kind: "error" }, notes: [] });
  assert.equal(text, "---------\nValueError: bad\n");
});

Deno.test("CellOutput saves images under outputs/, names them, and returns image content", () => {
  const { content, text, dir } = render([
    { type: "display", data: { "image/png": PNG, "text/plain": "<Figure>" } },
  ]);
  const path = /\[image saved to (\S+)\]/.exec(text)?.[1] ?? "";
  assert.ok(path.startsWith(join(dir, "outputs", "image-")) && path.endsWith(".png"), path);
  assert.ok(Deno.statSync(path).size > 0);
  assert.deepEqual(content[1], { type: "image", data: PNG, mimeType: "image/png" });
});

Deno.test("CellOutput over max-output keeps head and tail, says how much was cut and where it is", () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join("");
  const { text } = render([stdout(lines)], OK, 2000);
  assert.ok(text.length <= 2000, `${text.length}`);
  assert.match(text, /^line 0\n/);
  assert.match(text, /line 4999\n$/);
  const saved = /saved in (\S+) \.\.\.\]/.exec(text)?.[1] ?? "";
  assert.equal(Deno.readTextFileSync(saved), lines);
  const cut = Number(/\[\.\.\. ([\d,]+) of/.exec(text)?.[1].replaceAll(",", ""));
  assert.ok(cut > lines.length - 2000 && cut < lines.length);
});

Deno.test("CellOutput says how a run ended: timeout with state kept, state lost", () => {
  const timeout = render([stdout("partial\n")], {
    end: { kind: "timeout", seconds: 5, stateKept: true },
    notes: [],
  }).text;
  assert.match(timeout, /^partial\n\[TIMEOUT\] Execution timed out after 5 s/);
  assert.match(timeout, /state was kept/);
  const lost = render([], { end: { kind: "lost", reason: "the kernel died" }, notes: [] }).text;
  assert.match(lost, /\[STATE LOST\] the kernel died/);
});

Deno.test("CellOutput notices Jupyter's IOPub rate limit and explains it", () => {
  const { text } = render([
    stderr("IOPub data rate exceeded.\nThe Jupyter server will temporarily stop sending output\n"),
  ]);
  assert.match(text, /IOPub rate limit; write large output to a file/);
});

Deno.test("CellOutput on a full disk still returns the output and says what could not be saved", () => {
  const full = (): never => {
    throw new Error("No space left on device (os error 28)");
  };
  const out = new CellOutput({
    maxOutput: 1000,
    files: { saveImage: full, openTextSpill: full },
    stateful: false,
  });
  out.push({ type: "display", data: { "image/png": PNG } });
  out.push(stdout("x".repeat(5000) + "\nlast line\n"));
  const content = out.finish(OK);
  const text = (content[0] as { text: string }).text;
  assert.match(text, /^\[image not saved: No space left on device/);
  assert.match(text, /cut here; the full output could not be saved \(No space left on device/);
  assert.match(text, /last line\n$/);
  assert.equal(content[1]?.type, "image", "the image is still returned inline");
});
