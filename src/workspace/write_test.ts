import assert from "node:assert/strict";
import { join } from "node:path";
import { NotRegularFileError, PathChangedError } from "./identity.ts";
import { workspaceOutputFiles } from "./outputs.ts";
import { createContainedFileSync, writeNewFileSync } from "./write.ts";

function throws<E extends Error>(fn: () => unknown, type: abstract new (...a: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name}, nothing was thrown` });
}

async function tree(): Promise<{ base: string; ws: string; outside: string }> {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "sidekernel-write-" }));
  const ws = join(base, "ws");
  const outside = join(base, "outside");
  await Deno.mkdir(ws);
  await Deno.mkdir(outside);
  return { base, ws, outside };
}

async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("writeNewFileSync() creates missing directories and a new file, never overwriting one", async () => {
  const { base, ws } = await tree();
  try {
    const path = writeNewFileSync(ws, ".sidekernel/cells/cell-1.py", "print(1)\n");
    assert.equal(path, join(ws, ".sidekernel", "cells", "cell-1.py"));
    assert.equal(await Deno.readTextFile(path), "print(1)\n");
    assert.throws(() => writeNewFileSync(ws, ".sidekernel/cells/cell-1.py", "x"), /EEXIST|exists/);
    assert.equal(await Deno.readTextFile(path), "print(1)\n");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("createContainedFileSync() refuses outputs/ replaced by a symlink, and writes nothing there", async () => {
  const { base, ws, outside } = await tree();
  try {
    await Deno.symlink(outside, join(ws, "outputs"));
    const error = throws(
      () => createContainedFileSync(ws, "outputs/image-1.png"),
      PathChangedError,
    );
    assert.equal(error.reason, "symlink");
    assert.match(error.message, /path "outputs" is refused: a symlink/);
    // A planted symlink with the file's own name is not followed either.
    await Deno.remove(join(ws, "outputs"));
    await Deno.mkdir(join(ws, "outputs"));
    await Deno.symlink(join(outside, "stolen.txt"), join(ws, "outputs", "output-1.txt"));
    throws(() => createContainedFileSync(ws, "outputs/output-1.txt"), Error);
    // A FIFO where a directory should be.
    new Deno.Command("mkfifo", { args: [join(ws, "cells")] }).outputSync();
    const fifo = throws(() => createContainedFileSync(ws, "cells/a.py"), NotRegularFileError);
    assert.equal(fifo.kind, "FIFO (named pipe)");
    assert.deepEqual(await namesIn(outside), []);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("workspaceOutputFiles() saves into a real outputs/ and says why it cannot into a link", async () => {
  const { base, ws, outside } = await tree();
  try {
    const files = workspaceOutputFiles(ws);
    const image = files.saveImage(new Uint8Array([1, 2, 3]), "png");
    assert.match(image, /\/outputs\/image-\d{8}-\d{6}-[0-9a-f]{6}\.png$/);
    assert.deepEqual(await Deno.readFile(image), new Uint8Array([1, 2, 3]));
    const spill = files.openTextSpill();
    spill.append("hello ");
    spill.append("world");
    spill.reset();
    spill.append("again");
    spill.close();
    assert.equal(await Deno.readTextFile(spill.path), "again");

    await Deno.remove(join(ws, "outputs"), { recursive: true });
    await Deno.symlink(outside, join(ws, "outputs"));
    assert.throws(() => files.saveImage(new Uint8Array([1]), "png"), PathChangedError);
    assert.throws(() => files.openTextSpill(), PathChangedError);
    assert.deepEqual(await namesIn(outside), []);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("createContainedFileSync() under a swapper of outputs/: 500 files, none outside", async () => {
  const { base, ws, outside } = await tree();
  await Deno.mkdir(join(ws, "outputs"));
  const swapper = new Deno.Command("python3", {
    args: ["-c", DIR_SWAPPER, ws, outside],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  let written = 0;
  let refused = 0;
  try {
    for (let i = 0; i < 500; i++) {
      try {
        writeNewFileSync(ws, `outputs/f-${i}.txt`, "x");
        written++;
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        refused++;
      }
    }
  } finally {
    swapper.kill("SIGKILL");
    await swapper.status;
  }
  try {
    // Something may have been created through a swapped parent, but nothing was written there.
    for (const name of await namesIn(outside)) {
      assert.equal((await Deno.stat(join(outside, name))).size, 0, `"${name}" was written`);
    }
    assert.equal(written + refused, 500);
    assert.ok(written > 0, "some writes succeed between swaps");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

/** Python: swap `<ws>/outputs` between the real directory and a link to `outside`. */
const DIR_SWAPPER = `
import os, sys
ws, outside = sys.argv[1:3]
j = lambda *p: os.path.join(ws, *p)
while True:
    try:
        os.rename(j("outputs"), j("outputs.real")); os.symlink(outside, j("outputs"))
        os.unlink(j("outputs")); os.rename(j("outputs.real"), j("outputs"))
    except OSError:
        pass
`;
