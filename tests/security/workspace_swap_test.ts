/**
 * Class 1 of docs/SECURITY.md ("Workspace files"): code in the kernel keeps
 * swapping workspace files and directories for symlinks to files outside
 * (`/etc/passwd`, a token on another file system, a secret next to the
 * workspace on the same one) and back, while a client reads them through
 * `resources/read` on a real server. No outside byte may come back; the
 * server must then still serve and stop on SIGTERM within its grace.
 *
 * The hostile code runs as the model would run it: a `python` tool call.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { makeWorkspace, startServer, stopWithin } from "../support/server.ts";

const GRACE_S = 5;
const READS = 2000;
const BUDGET_MS = 20_000;
const MARKERS = ["root:x:0:0", "planted-token-", "planted-sibling-"];

/** The kernel's loop: file and directory, each a real one and then a link out, until "stop". */
const SWAPPER = (targets: { file: string[]; dir: string[] }) => `
import os, time
files, dirs = ${JSON.stringify(targets.file)}, ${JSON.stringify(targets.dir)}
os.makedirs("d", exist_ok=True)
open("d/secret.txt", "w").write("inside-d\\n")
open("victim.real", "w").write("inside-victim\\n")
open("ready", "w").close()
n, end = 0, time.time() + 40
while not os.path.exists("stop") and time.time() < end:
    f, d = files[n % len(files)], dirs[n % len(dirs)]
    os.symlink(f, ".t"); os.rename(".t", "victim.txt")
    os.link("victim.real", ".t"); os.rename(".t", "victim.txt")
    os.rename("d", "d.real"); os.symlink(d, "d")
    os.unlink("d"); os.rename("d.real", "d")
    n += 1
print(f"swapped {n} times")
`;

async function sh(script: string): Promise<void> {
  const out = await new Deno.Command("sh", { args: ["-c", script], stderr: "piped" }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

async function waitFor(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await Deno.lstat(path).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`"${path}" did not appear within ${ms} ms`);
}

function textOf(contents: { text?: unknown; blob?: unknown }): string {
  if (typeof contents.text === "string") return contents.text;
  if (typeof contents.blob === "string") return atob(contents.blob);
  return "";
}

async function python(client: Client, code: string): Promise<string> {
  return firstText(await client.callTool({ name: "python", arguments: { code } }));
}

Deno.test("resources/read under a kernel swapping symlinks: 2,000 reads, 0 outside bytes, then serves and stops", async () => {
  const ws = makeWorkspace();
  // Outside targets: the sidecar's /etc/passwd; a token on another file system (like a
  // pod's tmpfs secret); a secret in a sibling directory on the workspace's own.
  // (Deno wants every permission for /dev paths: a shell plants and removes that one.)
  const shm = `/dev/shm/sidekernel-token-${crypto.randomUUID().slice(0, 8)}`;
  await sh(`mkdir ${shm} && echo planted-token-${crypto.randomUUID()} > ${shm}/secret.txt`);
  const sibling = `${ws.path}-sibling`;
  await Deno.mkdir(sibling);
  await Deno.writeTextFile(join(sibling, "secret.txt"), `planted-sibling-${crypto.randomUUID()}\n`);
  const targets = {
    file: ["/etc/passwd", join(shm, "secret.txt"), join(sibling, "secret.txt")],
    dir: [shm, sibling],
  };
  const server = await startServer(
    [
      "--toolsets",
      "python,files",
      "--timeout",
      "60",
      "--shutdown-grace",
      String(GRACE_S),
    ],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  let stopped = false;
  try {
    // Settled either way, so that a failure is reported where it is awaited.
    const kernel = python(client, SWAPPER(targets)).then((text) => text, (error) => String(error));
    await waitFor(join(ws.path, "ready"), 20_000);
    const uris = [`file://${ws.path}/victim.txt`, `file://${ws.path}/d/secret.txt`];
    const outcome = { inside: 0, refused: 0, reads: 0 };
    const deadline = Date.now() + BUDGET_MS;
    while (outcome.reads < READS && Date.now() < deadline) {
      const uri = uris[outcome.reads++ % uris.length];
      try {
        const { contents } = await client.readResource({ uri });
        const text = contents.map(textOf).join("");
        for (const marker of MARKERS) {
          assert.ok(
            !text.includes(marker),
            `read ${outcome.reads} of "${uri}" returned "${marker}"`,
          );
        }
        outcome.inside++;
      } catch (error) {
        const message = String(error);
        for (const marker of MARKERS) assert.ok(!message.includes(marker), message);
        assert.match(message, /refused|not found|disappeared/, message);
        outcome.refused++;
      }
    }
    await Deno.writeTextFile(join(ws.path, "stop"), "");
    const swapped = await kernel;
    assert.match(swapped, /swapped \d+ times/);
    assert.ok(outcome.reads >= 200, `only ${outcome.reads} reads in ${BUDGET_MS} ms`);
    assert.ok(outcome.refused > 0, "the swaps did race the reads");
    assert.ok(outcome.inside > 0, "reads between swaps still succeed");

    // Still serving: probes, a python call, a plain read.
    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.text()), "ok\n");
    assert.match(await python(client, "print(6 * 7)"), /^42/);
    const { contents } = await client.readResource({ uri: `file://${ws.path}/victim.real` });
    assert.equal(textOf(contents[0]), "inside-victim\n");

    await client.close();
    stopped = true;
    await stopWithin(server, (GRACE_S + 5) * 1000);
  } catch (error) {
    throw new Error(`${error}\nserver log:\n${server.logs.slice(-20).join("\n")}`, {
      cause: error,
    });
  } finally {
    await client.close().catch(() => {});
    if (!stopped) await server.stop();
    ws.cleanup();
    await Deno.remove(sibling, { recursive: true });
    await sh(`rm -rf ${shm}`);
  }
});

Deno.test("outputs/ replaced by a symlink out: long output is still answered, nothing is written outside", async () => {
  const ws = makeWorkspace();
  const outside = `${ws.path}-outside`;
  await Deno.mkdir(outside);
  const server = await startServer(
    ["--toolsets", "python,files", "--max-output", "1000", "--shutdown-grace", String(GRACE_S)],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  let stopped = false;
  try {
    const planted = await python(
      client,
      `import os, shutil\nshutil.rmtree("outputs", ignore_errors=True)\n` +
        `os.symlink(${JSON.stringify(outside)}, "outputs")\nprint("planted")`,
    );
    assert.match(planted, /planted/);
    const long = await python(client, `print("x" * 5000)`);
    assert.match(long, /characters/);
    assert.match(long, /could not be saved \(path "outputs" is refused: a symlink/);
    const names: string[] = [];
    for await (const entry of Deno.readDir(outside)) names.push(entry.name);
    assert.deepEqual(names, [], "nothing was written through the link");
    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.text()), "ok\n");
    await client.close();
    stopped = true;
    await stopWithin(server, (GRACE_S + 5) * 1000);
  } catch (error) {
    throw new Error(`${error}\nserver log:\n${server.logs.slice(-20).join("\n")}`, {
      cause: error,
    });
  } finally {
    await client.close().catch(() => {});
    if (!stopped) await server.stop();
    ws.cleanup();
    await Deno.remove(outside, { recursive: true });
  }
});
