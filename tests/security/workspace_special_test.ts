/**
 * Class 2 of docs/SECURITY.md ("Workspace files"): nothing the kernel puts in
 * the workspace may block, crash or slow the server. The workspace gets a
 * FIFO, a UNIX socket, a character device (`/dev/zero`'s numbers), a 1 TiB
 * sparse file, a 10,000-deep tree, 100,000 files in one directory, a
 * directory with mode 000 and symlink loops; a real server then answers 40
 * concurrent reads of the FIFO, the other reads and resources/list quickly
 * and clearly, keeps sending change notifications, runs python, and stops on
 * SIGTERM within its grace.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { makeWorkspace, startServer, stopWithin } from "../support/server.ts";

const GRACE_S = 5;

/** The kernel's mischief, as Python (it runs as root here, like mknod needs). */
const PLANT = `
import os, socket, sys
ws = sys.argv[1]
os.chdir(ws)
os.mkfifo("fifo")
socket.socket(socket.AF_UNIX).bind("sock")
os.mknod("zero", 0o20644, os.makedev(1, 5))
with open("sparse.bin", "wb") as f: f.truncate(1 << 40)
os.symlink("loop-b", "loop-a"); os.symlink("loop-a", "loop-b"); os.symlink(".", "self")
os.mkdir("closed"); open("closed/x.txt", "w").close(); os.chmod("closed", 0)
os.mkdir("many")
for i in range(100_000): open(f"many/f{i:06}", "w").close()
os.mkdir("deep"); os.chdir("deep")
for _ in range(10_000): os.mkdir("d"); os.chdir("d")
print("planted")
`;

async function timed<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function textOf(contents: { uri: string; text: string } | { uri: string; blob: string }): string {
  return "text" in contents ? contents.text : "";
}

async function refusal(client: Client, uri: string): Promise<string> {
  try {
    const result = await client.readResource({ uri });
    throw new Error(`"${uri}" was served: ${JSON.stringify(result).slice(0, 200)}`);
  } catch (error) {
    return String(error);
  }
}

Deno.test("FIFOs, sockets, devices, sparse, deep, huge and closed trees: clear refusals, no wedge, notifications go on", async () => {
  const ws = makeWorkspace();
  await Deno.writeTextFile(join(ws.path, "notes.txt"), "hello\n");
  const server = await startServer(
    ["--toolsets", "python,files", "--shutdown-grace", String(GRACE_S)],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  const updated: string[] = [];
  let listChanged = 0;
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updated.push(n.params.uri);
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    listChanged++;
  });
  const uri = (path: string) => `file://${ws.path}/${path}`;
  let stopped = false;
  try {
    await client.subscribeResource({ uri: uri("notes.txt") });
    const planted = await new Deno.Command("python3", {
      args: ["-c", PLANT, ws.path],
      stderr: "piped",
    }).output();
    assert.ok(planted.success, new TextDecoder().decode(planted.stderr));

    // 40 reads of the FIFO at once (more than Deno's file-I/O threads), and python meanwhile.
    const started = Date.now();
    const [fifo, py] = await timed(
      "40 FIFO reads and a python call",
      20_000,
      Promise.all([
        Promise.all(Array.from({ length: 40 }, () => refusal(client, uri("fifo")))),
        client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } }),
      ]),
    );
    for (const message of fifo) {
      assert.match(message, /"fifo" is a FIFO \(named pipe\), not a regular file/);
    }
    assert.match(firstText(py), /^42/);
    const fifoMs = Date.now() - started;

    assert.match(await refusal(client, uri("sock")), /"sock" is a UNIX socket/);
    assert.match(await refusal(client, uri("zero")), /"zero" is a character device/);
    assert.match(await refusal(client, uri("sparse.bin")), /"sparse\.bin" is 1 TiB, over the/);
    assert.match(await refusal(client, uri("loop-a")), /not found|refused/);

    // Directories: bounded listings, answered in time.
    const many = await timed("read many/", 20_000, client.readResource({ uri: uri("many") }));
    const manyText = textOf(many.contents[0]);
    assert.match(manyText, /100000 entries/);
    assert.match(manyText, /… 99000 more entries not shown/);
    const root = textOf((await client.readResource({ uri: uri("") })).contents[0]);
    assert.match(root, /^p +- .* fifo$/m);
    assert.match(root, /^s +- .* sock$/m);
    assert.match(root, /^c +- .* zero$/m);
    await timed(
      "read closed/",
      10_000,
      client.readResource({ uri: uri("closed") }).catch((e) => e),
    );
    const listStarted = Date.now();
    const listed = await timed("resources/list", 20_000, client.listResources());
    const listMs = Date.now() - listStarted;
    const names = listed.resources.map((r) => r.name);
    // The 500 newest of the files the bounded walk saw (the 100,000 new ones win).
    assert.equal(names.length, 501, `${names.length} resources listed`);
    assert.ok(names.slice(1).every((n) => n.startsWith("many/f")), names.slice(0, 5).join());
    for (const special of ["fifo", "sock", "zero"]) assert.ok(!names.includes(special), special);

    // The watcher survived all of it: a change and a new file are still notified.
    updated.length = 0;
    listChanged = 0;
    await Deno.writeTextFile(join(ws.path, "notes.txt"), "changed\n");
    await Deno.writeTextFile(join(ws.path, "after.txt"), "new\n");
    const deadline = Date.now() + 40_000; // a poll waits up to 10 s on a loaded machine
    while ((updated.length === 0 || listChanged === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual([...new Set(updated)], [uri("notes.txt")]);
    assert.ok(listChanged > 0, "list_changed after a new file");

    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.text()), "ok\n");
    const again = await client.callTool({ name: "python", arguments: { code: "print('still')" } });
    assert.match(firstText(again), /still/);
    assert.ok(fifoMs < 20_000 && listMs < 20_000);

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
    // The 10,000-deep tree is past PATH_MAX: rm removes it with *at() calls.
    await new Deno.Command("rm", { args: ["-rf", ws.path] }).output();
  }
});
