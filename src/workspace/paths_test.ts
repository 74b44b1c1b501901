import assert from "node:assert/strict";
import { join } from "node:path";
import {
  InvalidPathError,
  isWithin,
  PathNotFoundError,
  PathOutsideWorkspaceError,
  resolveInWorkspace,
  Workspace,
} from "./paths.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

function assertStringIncludes(actual: string, expected: string): void {
  assert.ok(actual.includes(expected), `expected ${JSON.stringify(actual)} to include ${expected}`);
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: ErrorClass<E>,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name}, nothing was thrown` });
}

/**
 * A real temp tree:
 *   base/workspace/{notes.txt, outputs/plot.png, inner -> outputs, dangling-in -> missing}
 *   base/workspace/{out-file -> ../secret.txt, out-dir -> .., dangling-out -> /nonexistent-…}
 *   base/workspace2/steal.txt     (the prefix trap)
 *   base/secret.txt
 */
async function tree(): Promise<{ base: string; ws: Workspace; root: string }> {
  const base = await Deno.makeTempDir({ prefix: "sidekernel-paths-" });
  const root = join(base, "workspace");
  await Deno.mkdir(join(root, "outputs"), { recursive: true });
  await Deno.mkdir(join(base, "workspace2"));
  await Deno.writeTextFile(join(root, "notes.txt"), "hello");
  await Deno.writeFile(join(root, "outputs", "plot.png"), new Uint8Array([137, 80, 78, 71]));
  await Deno.writeTextFile(join(base, "workspace2", "steal.txt"), "sibling");
  await Deno.writeTextFile(join(base, "secret.txt"), "secret");
  await Deno.symlink("outputs", join(root, "inner"));
  await Deno.symlink("missing", join(root, "dangling-in"));
  await Deno.symlink("../secret.txt", join(root, "out-file"));
  await Deno.symlink("..", join(root, "out-dir"));
  await Deno.symlink(`/nonexistent-${crypto.randomUUID()}`, join(root, "dangling-out"));
  await Deno.symlink("loop", join(root, "loop"));
  return { base, root, ws: await Workspace.open(root) };
}

Deno.test("Workspace.resolve() returns real paths for files and directories inside", async () => {
  const { base, root, ws } = await tree();
  try {
    assertEquals(await ws.resolve("notes.txt"), join(ws.realRoot, "notes.txt"));
    assertEquals(await ws.resolve(""), ws.realRoot);
    assertEquals(await ws.resolve("."), ws.realRoot);
    assertEquals(await ws.resolve("outputs/../notes.txt"), join(ws.realRoot, "notes.txt"));
    assertEquals(await ws.resolve(join(root, "outputs")), join(ws.realRoot, "outputs"));
    // A symlink that stays inside is followed.
    assertEquals(await ws.resolve("inner/plot.png"), join(ws.realRoot, "outputs", "plot.png"));
    assertEquals(ws.relativeOf(await ws.resolve("inner/plot.png")), "outputs/plot.png");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.resolve() refuses `..` escapes, naming the path and the workspace", async () => {
  const { base, root, ws } = await tree();
  try {
    for (const path of ["..", "../secret.txt", "outputs/../../secret.txt", "../workspace2/x"]) {
      const error = await assertRejects(() => ws.resolve(path), PathOutsideWorkspaceError);
      assertEquals(error.reason, "dotdot");
      assertStringIncludes(error.message, `"${path}"`);
      assertStringIncludes(error.message, `"${root}"`);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.resolve() refuses absolute paths outside, including the /workspace2 prefix trap", async () => {
  const { base, root, ws } = await tree();
  try {
    for (
      const path of ["/etc/passwd", join(base, "secret.txt"), `${root}2/steal.txt`, `${root}2`]
    ) {
      const error = await assertRejects(() => ws.resolve(path), PathOutsideWorkspaceError);
      assertEquals(error.reason, "absolute");
    }
    assert(!isWithin("/workspace", "/workspace2"));
    assert(!isWithin("/workspace", "/workspace2/a"));
    assert(isWithin("/workspace", "/workspace/a"));
    assert(isWithin("/", "/etc"));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.resolve() refuses symlinks that lead out: file, parent directory, dangling", async () => {
  const { base, ws } = await tree();
  try {
    for (
      const path of ["out-file", "out-dir", "out-dir/secret.txt", "out-dir/workspace2/steal.txt"]
    ) {
      const error = await assertRejects(() => ws.resolve(path), PathOutsideWorkspaceError);
      assertEquals(error.reason, "symlink", path);
    }
    // Dangling: nothing to realpath, so the link's own target decides.
    for (const path of ["dangling-out", "dangling-out/child"]) {
      const error = await assertRejects(() => ws.resolve(path), PathOutsideWorkspaceError);
      assertEquals(error.reason, "symlink");
    }
    await assertRejects(
      () => ws.resolve("dangling-out", { allowMissing: true }),
      PathOutsideWorkspaceError,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.resolve() reports missing paths inside as PathNotFoundError", async () => {
  const { base, ws } = await tree();
  try {
    const error = await assertRejects(() => ws.resolve("outputs/nope.png"), PathNotFoundError);
    assertStringIncludes(error.message, `"outputs/nope.png"`);
    await assertRejects(() => ws.resolve("dangling-in"), PathNotFoundError);
    await assertRejects(() => ws.resolve("notes.txt/child"), PathNotFoundError);
    await assertRejects(() => ws.resolve("loop"), PathNotFoundError);
    assertEquals(
      await ws.resolve("outputs/new/file.txt", { allowMissing: true }),
      join(ws.realRoot, "outputs", "new", "file.txt"),
    );
    assertEquals(
      await ws.resolve("dangling-in", { allowMissing: true }),
      join(ws.realRoot, "missing"),
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.resolve() refuses NUL bytes and overlong names before touching the disk", async () => {
  const { base, ws } = await tree();
  try {
    const nul = await assertRejects(() => ws.resolve("notes.txt\0.png"), InvalidPathError);
    assertEquals(nul.reason, "nul");
    assertStringIncludes(nul.message, `"notes.txt\\0.png"`);
    const segment = await assertRejects(() => ws.resolve("a".repeat(300)), InvalidPathError);
    assertEquals(segment.reason, "segment-too-long");
    // 128 multi-byte characters are 256 bytes: counted in bytes, not characters.
    await assertRejects(() => ws.resolve("é".repeat(128)), InvalidPathError);
    const long = await assertRejects(() => ws.resolve("abc/".repeat(1100)), InvalidPathError);
    assertEquals(long.reason, "too-long");
    assert(long.message.length < 300, "the message shortens the path");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Workspace.open() on a symlinked root contains by the real root", async () => {
  const { base, root } = await tree();
  try {
    const alias = join(base, "alias");
    await Deno.symlink(root, alias);
    const ws = await Workspace.open(alias);
    assertEquals(ws.realRoot, await Deno.realPath(root));
    assertEquals(await ws.resolve(join(alias, "notes.txt")), join(ws.realRoot, "notes.txt"));
    assertEquals(await ws.resolve(join(root, "notes.txt")), join(ws.realRoot, "notes.txt"));
    await assertRejects(() => ws.resolve("out-file"), PathOutsideWorkspaceError);
    await assertRejects(() => Workspace.open(join(base, "none")), PathNotFoundError);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("resolveInWorkspace() is the one-call form", async () => {
  const { base, root } = await tree();
  try {
    assertStringIncludes(await resolveInWorkspace(root, "notes.txt"), "notes.txt");
    await assertRejects(() => resolveInWorkspace(root, "../secret.txt"), PathOutsideWorkspaceError);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
