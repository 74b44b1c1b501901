import assert from "node:assert/strict";
import { join } from "node:path";
import { silentLogger } from "../obs/log.ts";
import { walkWorkspace } from "./walk.ts";
import { watchWorkspace, type WorkspaceChange } from "./watch.ts";

function run(cmd: string, ...args: string[]): void {
  const out = new Deno.Command(cmd, { args, stderr: "piped" }).outputSync();
  if (!out.success) throw new Error(`${cmd}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Python: `depth` nested directories named "d" under argv[1] (chdir keeps paths short). */
const DEEP = `
import os, sys
os.chdir(sys.argv[1])
for _ in range(int(sys.argv[2])):
    os.mkdir("d"); os.chdir("d")
`;

/** Collects changes; `next(pred)` waits for one that matches. */
function collector() {
  const seen: WorkspaceChange[] = [];
  let wake: (() => void) | undefined;
  return {
    onChange(change: WorkspaceChange) {
      seen.push(change);
      wake?.();
    },
    async next(pred: (c: WorkspaceChange) => boolean, ms = 10_000): Promise<WorkspaceChange> {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = seen.find(pred);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching change within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    clear() {
      seen.length = 0;
    },
    seenPaths(): string[] {
      return seen.flatMap((c) => [...c.paths]);
    },
  };
}

Deno.test("watchWorkspace() keeps reporting after FIFOs, sockets, devices, loops, deep and unreadable trees", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "sidekernel-watch-" }));
  const root = join(base, "ws");
  await Deno.mkdir(root);
  const changes = collector();
  const watcher = watchWorkspace(root, changes.onChange, { pollMs: 50, logger: silentLogger });
  try {
    await watcher.ready;
    await Deno.writeTextFile(join(root, "first.txt"), "1");
    await changes.next((c) => c.paths.has(join(root, "first.txt")) && c.structural);

    run("mkfifo", join(root, "fifo"));
    run("mknod", join(root, "zero"), "c", "1", "5");
    run(
      "python3",
      "-c",
      "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      join(root, "sock"),
    );
    await Deno.symlink("loop-b", join(root, "loop-a"));
    await Deno.symlink("loop-a", join(root, "loop-b"));
    await Deno.symlink(".", join(root, "self"));
    await Deno.mkdir(join(root, "closed"));
    await Deno.writeTextFile(join(root, "closed", "x.txt"), "x");
    await Deno.chmod(join(root, "closed"), 0o000);
    run("python3", "-c", DEEP, root, "1000");
    await changes.next((c) => c.paths.has(join(root, "fifo")));

    // After all that, a new file and a modified one are still seen.
    changes.clear();
    await Deno.writeTextFile(join(root, "after.txt"), "2");
    await changes.next((c) => c.paths.has(join(root, "after.txt")) && c.structural);
    changes.clear();
    await Deno.writeTextFile(join(root, "after.txt"), "22");
    const modified = await changes.next((c) => c.paths.has(join(root, "after.txt")));
    assert.equal(modified.structural, false);
    await Deno.chmod(join(root, "closed"), 0o755);
  } finally {
    watcher.close();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("watchWorkspace() follows a root removed and created again, and never reports outside paths", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "sidekernel-watch-" }));
  const root = join(base, "ws");
  await Deno.mkdir(join(root, "sub"), { recursive: true });
  await Deno.mkdir(join(base, "outside"));
  await Deno.writeTextFile(join(base, "outside", "secret.txt"), "s");
  const changes = collector();
  const watcher = watchWorkspace(root, changes.onChange, { pollMs: 50, logger: silentLogger });
  try {
    await watcher.ready;
    await Deno.remove(root, { recursive: true });
    await changes.next((c) => c.paths.has(join(root, "sub")) && c.structural);
    await Deno.mkdir(root);
    await Deno.writeTextFile(join(root, "new.txt"), "n");
    await changes.next((c) => c.paths.has(join(root, "new.txt")));
    // A directory replaced by a link out: the link is a change, what it points at is not walked.
    await Deno.symlink(join(base, "outside"), join(root, "sub"));
    await changes.next((c) => c.paths.has(join(root, "sub")));
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    watcher.close();
  }
  try {
    assert.ok(
      !changes.seenPaths().some((p) => p.includes("secret.txt")),
      "no path behind the link was reported",
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("walkWorkspace() stops at its entry, depth and time bounds", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "sidekernel-walk-" }));
  try {
    for (let i = 0; i < 50; i++) await Deno.writeTextFile(join(base, `f${i}`), "");
    run("python3", "-c", DEEP, base, "100");
    const entries = await walkWorkspace(base, { maxEntries: 10 });
    assert.equal(entries.cut, "entries");
    assert.equal(entries.entries.length, 10);
    const depth = await walkWorkspace(base, { maxDepth: 5 });
    assert.equal(depth.cut, "depth");
    assert.equal(depth.entries.filter((e) => e.stats.isDirectory()).length, 6);
    const time = await walkWorkspace(base, { budgetMs: 0 });
    assert.equal(time.cut, "time");
    const whole = await walkWorkspace(base, { maxDepth: 200 });
    assert.equal(whole.cut, undefined);
    assert.equal(whole.entries.length, 150);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

/** Runs `source` (TypeScript) with deno as user "nobody"; needs root and setpriv. */
function asNobody(dir: string, source: string): string {
  Deno.writeTextFileSync(join(dir, "probe.ts"), source);
  const out = new Deno.Command("setpriv", {
    args: ["--reuid=65534", "--regid=65534", "--clear-groups", Deno.execPath(), "run", "-q"]
      .concat(["--no-config", "--allow-read", join(dir, "probe.ts")]),
    env: { HOME: dir, DENO_DIR: join(dir, ".deno") },
    stderr: "piped",
  }).outputSync();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const canDropRoot = Deno.uid() === 0 &&
  new Deno.Command("setpriv", { args: ["--version"] }).outputSync().success;

Deno.test({
  name: "walkWorkspace() as an unprivileged user skips a mode-000 directory; a read says EACCES",
  ignore: !canDropRoot, // as root, mode 000 stops nothing (root bypasses file modes)
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "sidekernel-nobody-" });
    try {
      await Deno.chmod(base, 0o755);
      const ws = join(base, "ws");
      await Deno.mkdir(join(ws, "closed"), { recursive: true });
      await Deno.mkdir(join(ws, "open"));
      await Deno.writeTextFile(join(ws, "closed", "secret.txt"), "s");
      await Deno.writeTextFile(join(ws, "open", "a.txt"), "a");
      await Deno.writeTextFile(join(ws, "unreadable.txt"), "u");
      await Deno.chmod(join(ws, "closed"), 0o000);
      await Deno.chmod(join(ws, "unreadable.txt"), 0o000);
      const here = new URL(".", import.meta.url).pathname;
      const out = asNobody(
        base,
        `import { walkWorkspace } from "${here}walk.ts";
import { readContainedFile } from "${here}read.ts";
const r = await walkWorkspace(${JSON.stringify(ws)});
const code = await readContainedFile(${JSON.stringify(ws)}, ${
          JSON.stringify(join(ws, "unreadable.txt"))
        }, 10).then(() => "read", (e) => e.code);
console.log(JSON.stringify({ entries: r.entries.map((e) => e.relative).sort(), complete: [...r.complete].sort(), code }));`,
      );
      assert.deepEqual(JSON.parse(out), {
        entries: ["closed", "open", "open/a.txt", "unreadable.txt"],
        complete: ["", "open"],
        code: "EACCES",
      });
    } finally {
      await Deno.chmod(join(base, "ws", "closed"), 0o755).catch(() => {});
      await Deno.remove(base, { recursive: true });
    }
  },
});
