import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { NotRegularFileError, PathChangedError } from "./identity.ts";
import { listContainedDirectory, readContainedFile, ResourceTooLargeError } from "./read.ts";

const MiB = 1024 * 1024;

async function rejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name}, nothing was thrown` });
}

/** base/ws (the workspace, real path) and base/outside/secret.txt. */
async function tree(): Promise<{ base: string; ws: string; secret: string }> {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "sidekernel-read-" }));
  const ws = join(base, "ws");
  await Deno.mkdir(join(ws, "sub"), { recursive: true });
  await Deno.mkdir(join(base, "outside"));
  const secret = join(base, "outside", "secret.txt");
  await Deno.writeTextFile(secret, "planted-secret");
  await Deno.writeTextFile(join(ws, "notes.txt"), "hello");
  await Deno.writeTextFile(join(ws, "sub", "secret.txt"), "inside");
  return { base, ws, secret };
}

/** Starts a Python helper and waits for the "ready" line it prints once it is racing. */
async function startRacer(source: string, ...args: string[]): Promise<Deno.ChildProcess> {
  const child = new Deno.Command("python3", {
    args: ["-c", source, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the racer exited before it was ready");
    seen += value;
  }
  reader.releaseLock();
  void child.stdout.cancel().catch(() => {});
  return child;
}

function run(cmd: string, ...args: string[]): void {
  const out = new Deno.Command(cmd, { args, stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test("readContainedFile() reads a regular file, and a hard link to one", async () => {
  const { base, ws } = await tree();
  try {
    const bytes = await readContainedFile(ws, join(ws, "notes.txt"), MiB);
    assert.equal(new TextDecoder().decode(bytes), "hello");
    // Hard links can only join names of one volume; served like any workspace file.
    await Deno.link(join(ws, "notes.txt"), join(ws, "sub", "again.txt"));
    const again = await readContainedFile(ws, join(ws, "sub", "again.txt"), MiB);
    assert.equal(new TextDecoder().decode(again), "hello");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readContainedFile() refuses a final symlink and a symlinked parent, even ones it was told are real", async () => {
  const { base, ws, secret } = await tree();
  try {
    // The caller resolved "link.txt" while it was a file; it is a symlink by the time of the open.
    await Deno.symlink(secret, join(ws, "link.txt"));
    const final = await rejects(
      () => readContainedFile(ws, join(ws, "link.txt"), MiB),
      PathChangedError,
    );
    assert.equal(final.reason, "symlink");
    assert.match(final.message, /"link\.txt" is refused: a symlink/);
    // "sub" swapped for a link to the outside directory: the OS follows it, the walk does not.
    await Deno.rename(join(ws, "sub"), join(ws, "sub.real"));
    await Deno.symlink(join(base, "outside"), join(ws, "sub"));
    const parent = await rejects(
      () => readContainedFile(ws, join(ws, "sub", "secret.txt"), MiB),
      PathChangedError,
    );
    assert.equal(parent.reason, "symlink");
    assert.doesNotMatch(parent.message, /planted-secret/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readContainedFile() takes no path outside its root: `..` after the check, the /workspace2 prefix trap", async () => {
  const { base, ws, secret } = await tree();
  try {
    await Deno.mkdir(`${ws}2`);
    await Deno.writeTextFile(`${ws}2/steal.txt`, "planted-secret");
    for (
      const path of [
        join(ws, "sub", "..", "..", "outside", "secret.txt"),
        `${ws}2/steal.txt`,
        secret,
      ]
    ) {
      await rejects(() => readContainedFile(ws, path, MiB), RangeError);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readContainedFile() refuses FIFOs, sockets and devices at once, without blocking", async () => {
  const { base, ws } = await tree();
  try {
    // A bound UNIX socket stays in the file system after its process is gone.
    run(
      "python3",
      "-c",
      "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      join(ws, "sock"),
    );
    run("mkfifo", join(ws, "fifo"));
    run("mknod", join(ws, "zero"), "c", "1", "5"); // /dev/zero's numbers; the test runs as root
    const started = performance.now();
    const cases: [string, string][] = [
      ["fifo", "FIFO (named pipe)"],
      ["sock", "UNIX socket"],
      ["zero", "character device"],
    ];
    // 40 at once: more than Deno's file-I/O threads; none may wait for a writer.
    const all = Array.from({ length: 40 }, (_, i) => cases[i % cases.length]);
    await Promise.all(all.map(async ([name, kind]) => {
      const error = await rejects(
        () => readContainedFile(ws, join(ws, name), MiB),
        NotRegularFileError,
      );
      assert.equal(error.kind, kind);
      assert.match(error.message, new RegExp(`"${name}" is a .*not a regular file`));
    }));
    assert.ok(performance.now() - started < 5000, "refusals are immediate");
    // Still able to read afterwards.
    assert.equal((await readContainedFile(ws, join(ws, "notes.txt"), MiB)).length, 5);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readContainedFile() refuses a 1 TiB sparse file by its size, before reading", async () => {
  const { base, ws } = await tree();
  try {
    const sparse = join(ws, "sparse.bin");
    const fd = fs.openSync(sparse, "w");
    fs.ftruncateSync(fd, 2 ** 40);
    fs.closeSync(fd);
    const big = await rejects(() => readContainedFile(ws, sparse, 10 * MiB), ResourceTooLargeError);
    assert.match(big.message, /"sparse\.bin" is 1 TiB, over the 10 MiB resource limit/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("listContainedDirectory() describes entries without following them and refuses a swapped directory", async () => {
  const { base, ws, secret } = await tree();
  try {
    await Deno.symlink(secret, join(ws, "out-link"));
    run("mkfifo", join(ws, "fifo"));
    const { entries, more } = await listContainedDirectory(ws, ws, 100);
    const kinds = Object.fromEntries(entries.map((e) => [e.name, e.stats.isSymbolicLink()]));
    assert.deepEqual(Object.keys(kinds).sort(), ["fifo", "notes.txt", "out-link", "sub"]);
    assert.equal(kinds["out-link"], true);
    assert.equal(more, 0);
    await Deno.rename(join(ws, "sub"), join(ws, "sub.real"));
    await Deno.symlink(join(base, "outside"), join(ws, "sub"));
    const error = await rejects(
      () => listContainedDirectory(ws, join(ws, "sub"), 100),
      PathChangedError,
    );
    assert.equal(error.reason, "symlink");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readContainedFile() never returns more than the cap of a file growing while read", async () => {
  const { base, ws } = await tree();
  const path = join(ws, "growing.log");
  await Deno.writeFile(path, new Uint8Array(0));
  const writer = await startRacer(GROWER, path);
  const cap = 256 * 1024;
  let returned = 0;
  let refused = 0;
  try {
    for (let i = 0; i < 300; i++) {
      try {
        const bytes = await readContainedFile(ws, path, cap);
        assert.ok(bytes.length <= cap, `read ${i}: ${bytes.length} bytes over the ${cap} cap`);
        returned++;
      } catch (error) {
        if (!(error instanceof ResourceTooLargeError)) throw error;
        assert.ok(error.size > cap);
        refused++;
      }
    }
  } finally {
    writer.kill("SIGKILL");
    await writer.status;
    await Deno.remove(base, { recursive: true });
  }
  assert.ok(refused > 0 && returned + refused === 300, `${returned} returned, ${refused} refused`);
});

/** Python: append to a file as fast as it can, starting over past 1 MiB. */
const GROWER = `
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
chunk = b"x" * 4096
os.write(fd, b"x" * (1 << 19)); print("ready", flush=True)
while True:
    os.write(fd, chunk)
    if os.fstat(fd).st_size > 1 << 20: os.ftruncate(fd, 0)
`;

Deno.test("readContainedFile() under a hostile swapper: 1,000 reads, no outside byte", async () => {
  const { base, ws, secret } = await tree();
  const target = join(ws, "victim.txt");
  await Deno.writeTextFile(target, "inside-victim");
  // Swaps the file and its directory for links to the outside, and back, as fast as it can.
  const swapper = await startRacer(SWAPPER, ws, secret, join(base, "outside"));
  let inside = 0;
  let refused = 0;
  try {
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
      for (const path of [target, join(ws, "d", "secret.txt")]) {
        try {
          const text = new TextDecoder().decode(await readContainedFile(ws, path, MiB));
          assert.doesNotMatch(text, /planted-secret/, `read ${i}: outside bytes returned`);
          inside++;
        } catch (error) {
          if (error instanceof PathChangedError || error instanceof NotRegularFileError) refused++;
          else if (!(error instanceof Error && /ENOENT|vanished/.test(error.message))) throw error;
        }
      }
    }
    assert.ok(refused > 0, "the swapper did race the reads");
  } finally {
    swapper.kill("SIGKILL");
    await swapper.status;
    await Deno.remove(base, { recursive: true });
  }
  assert.ok(inside + refused > 0);
});

/** Python: loop swapping `<ws>/victim.txt` and `<ws>/d` between real ones and links out. */
export const SWAPPER = `
import os, sys
ws, secret, outside = sys.argv[1:4]
j = lambda *p: os.path.join(ws, *p)
os.makedirs(j("d"), exist_ok=True)
open(j("d", "secret.txt"), "w").write("inside-d")
open(j("victim.real"), "w").write("inside-victim")
tmp = j(".swap.tmp")
print("ready", flush=True)
while True:
    # the file: a symlink out, then a real file again (a hard link of victim.real)
    os.symlink(secret, tmp); os.rename(tmp, j("victim.txt"))
    os.link(j("victim.real"), tmp); os.rename(tmp, j("victim.txt"))
    # the directory: a symlink out, then the real directory again
    os.rename(j("d"), j("d.real")); os.symlink(outside, j("d"))
    os.unlink(j("d")); os.rename(j("d.real"), j("d"))
`;

Deno.test("listContainedDirectory() under a hostile swapper: 500 listings, no outside name", async () => {
  const { base, ws, secret } = await tree();
  await Deno.writeTextFile(join(base, "outside", "outside-only.txt"), "x");
  const swapper = await startRacer(SWAPPER, ws, secret, join(base, "outside"));
  let listed = 0;
  let refused = 0;
  try {
    for (let i = 0; i < 500; i++) {
      try {
        const { entries } = await listContainedDirectory(ws, join(ws, "d"), 100);
        const names = entries.map((e) => e.name);
        assert.ok(!names.includes("outside-only.txt"), `listing ${i}: ${names.join()}`);
        listed++;
      } catch (error) {
        if (!(error instanceof PathChangedError || error instanceof NotRegularFileError)) {
          throw error;
        }
        refused++;
      }
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    swapper.kill("SIGKILL");
    await swapper.status;
    await Deno.remove(base, { recursive: true });
  }
  assert.equal(listed + refused, 500);
});
