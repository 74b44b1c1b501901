/**
 * The `files` toolset through a real MCP client and server linked in memory,
 * against a real temp workspace with real symlinks.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createFilesToolset, type FilesToolsetOptions } from "../src/tools/files_toolset.ts";
import { silentLogger } from "../src/obs/log.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "./support/assert_pods.ts";
import {
  connectToolsets,
  type InMemorySession,
  ProtocolError as McpError,
} from "./support/mcp_client.ts";

/** A 1×1 transparent PNG. */
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);
const SECRET = "root:x:0:0:planted-secret";

interface Fixture {
  base: string;
  root: string;
  /** `file:` URI of the workspace root, ending in `/`. */
  prefix: string;
  session: InMemorySession;
  close(): Promise<void>;
}

async function fixture(options: Partial<FilesToolsetOptions> = {}): Promise<Fixture> {
  const base = await Deno.makeTempDir({ prefix: "sidekernel-files-" });
  const root = join(base, "workspace");
  await Deno.mkdir(join(root, "outputs"), { recursive: true });
  await Deno.mkdir(join(root, ".sidekernel"));
  await Deno.mkdir(join(base, "workspace2"));
  await Deno.writeTextFile(join(root, "notes.txt"), "hello, workspace\n");
  await Deno.writeTextFile(join(root, ".sidekernel", "cell.py"), "print(1)\n");
  await Deno.writeFile(join(root, "outputs", "plot.png"), PNG);
  await Deno.writeTextFile(join(base, "secret.txt"), SECRET);
  await Deno.writeTextFile(join(base, "workspace2", "steal.txt"), SECRET);
  await Deno.symlink("../secret.txt", join(root, "out-file"));
  await Deno.symlink("..", join(root, "out-dir"));
  await Deno.symlink(join(base, "gone"), join(root, "dangling-out"));
  const files = createFilesToolset({
    workspacePath: root,
    logger: silentLogger,
    pollMs: 50,
    ...options,
  });
  const session = await connectToolsets(files);
  return {
    base,
    root,
    prefix: pathToFileURL(root).href + "/",
    session,
    close: async () => {
      await session.close();
      files.close();
      await Deno.remove(base, { recursive: true });
    },
  };
}

async function readText(f: Fixture, uri: string): Promise<string> {
  const content = (await f.session.client.readResource({ uri })).contents[0];
  assert("text" in content, `"${uri}" is not text`);
  return content.text;
}

async function readError(f: Fixture, uri: string): Promise<McpError> {
  try {
    const result = await f.session.client.readResource({ uri });
    throw new Error(`"${uri}" was not refused: ${JSON.stringify(result).slice(0, 200)}`);
  } catch (error) {
    assert(error instanceof McpError, `"${uri}": expected McpError, got ${error}`);
    assertNotIncludes(error.message, SECRET);
    return error;
  }
}

Deno.test("resources/read refuses the traversal corpus with clear errors and keeps serving", async () => {
  const f = await fixture();
  try {
    const r = f.root;
    const refused: [uri: string, message: RegExp][] = [
      [`file://${r}/../secret.txt`, /outside the workspace/],
      [`file://${r}/../../../../etc/passwd`, /"\/etc\/passwd".*outside the workspace/],
      [`file://${r}/%2e%2e/secret.txt`, /outside the workspace/],
      [`file://${r}/%2E%2E/%2E%2E/etc/passwd`, /outside the workspace/],
      [`file://${r}/..%2fsecret.txt`, /outside the workspace/],
      [`file://${r}/outputs%2f..%2f..%2fsecret.txt`, /outside the workspace/],
      [`file://${r}/..\\secret.txt`, /outside the workspace/],
      ["file:///etc/passwd", /"\/etc\/passwd" is refused: it is an absolute path outside/],
      [`file://${r}2/steal.txt`, /workspace2\/steal.txt" is refused/],
      [`file://${r}2/`, /is refused/],
      [`file://${r}/out-file`, /symlink that points outside/],
      [`file://${r}/out-dir/secret.txt`, /symlink that points outside/],
      [`file://${r}/out-dir/workspace2/steal.txt`, /symlink that points outside/],
      [`file://${r}/dangling-out`, /symlink that points outside/],
      [`file://${r}/notes.txt%00.png`, /NUL byte/],
      [`file://${r}/${"a".repeat(300)}`, /longer than 255 bytes/],
      [`file://${r}/${"abc/".repeat(1100)}x`, /longer than 4096 bytes/],
      [`file://${r}/%E0%A4%A`, /malformed percent-encoding/],
      [`file://${r}/%252e%252e/secret.txt`, /not found in the workspace/],
      ["file://evil.example/etc/passwd", /not found/],
      ["http://127.0.0.1/etc/passwd", /not found/],
    ];
    for (const [uri, message] of refused) {
      const error = await readError(f, uri);
      assertMatch(error.message, message, `"${uri}": ${error.message}`);
      // Still serving after every refusal.
      assertEquals(await readText(f, `${f.prefix}notes.txt`), "hello, workspace\n");
    }
    // Not even a URI: refused by the protocol layer, still serving.
    await readError(f, "../etc/passwd");
    await readError(f, `${"\0"}`);
    assertEquals((await f.session.client.listResourceTemplates()).resourceTemplates.length, 2);
  } finally {
    await f.close();
  }
});

Deno.test("resources/read returns text as text, a PNG as a blob, a directory as a listing", async () => {
  const f = await fixture();
  try {
    const text = await f.session.client.readResource({ uri: `${f.prefix}notes.txt` });
    assertEquals(text.contents, [{
      uri: `${f.prefix}notes.txt`,
      mimeType: "text/plain",
      text: "hello, workspace\n",
    }]);

    const png = await f.session.client.readResource({ uri: `${f.prefix}outputs/plot.png` });
    const blob = png.contents[0];
    assertEquals(blob.mimeType, "image/png");
    assert("blob" in blob, "a PNG is a blob");
    assertEquals(Uint8Array.from(atob(blob.blob), (c) => c.charCodeAt(0)), PNG);

    const dir = await readText(f, `${f.prefix}outputs`);
    assertMatch(dir, /^f +70 +\d{4}-\d\d-\d\dT[\d:]+Z +plot\.png$/m);
    const root = await readText(f, f.prefix);
    assertMatch(root, /^d +- .* outputs\/$/m);
    assertMatch(root, /^l +- .* out-file$/m);
    assertNotIncludes(root, ".sidekernel");
  } finally {
    await f.close();
  }
});

Deno.test("resources/read refuses files over the size limit, naming sizes and what to do", async () => {
  const f = await fixture({ maxBlobBytes: 64 });
  try {
    await Deno.writeFile(join(f.root, "big.bin"), new Uint8Array(100_000));
    const error = await readError(f, `${f.prefix}big.bin`);
    assertMatch(
      error.message,
      /"big\.bin" is 97\.7 KiB, over the 64 bytes resource limit; .*python/,
    );
    const missing = await readError(f, `${f.prefix}nope.csv`);
    // -32602 (Invalid Params): the code the 2026-07-28 spec names for a miss, on every revision.
    assertEquals(missing.code, -32602);
    assertMatch(missing.message, /nope\.csv/);
  } finally {
    await f.close();
  }
});

Deno.test("resources/list shows the newest files, skips .sidekernel/ and links that leave", async () => {
  const f = await fixture({ maxListed: 3 });
  try {
    for (const [i, name] of ["a.csv", "b.csv", "c.csv"].entries()) {
      await Deno.writeTextFile(join(f.root, name), "x,y\n");
      const when = new Date(Date.now() + (i + 1) * 60_000);
      await Deno.utime(join(f.root, name), when, when);
    }
    const { resources } = await f.session.client.listResources();
    assertEquals(resources.map((r) => r.name), ["workspace/", "c.csv", "b.csv", "a.csv"]);
    assertEquals(resources[1].mimeType, "text/csv");
    assertEquals(resources[1].size, 4);
    assert(resources[1].annotations?.lastModified);

    const all = await fixture();
    try {
      const names = (await all.session.client.listResources()).resources.map((r) => r.name);
      assertEquals(names.sort(), ["notes.txt", "outputs/plot.png", "workspace/"]);
    } finally {
      await all.close();
    }
  } finally {
    await f.close();
  }
});

Deno.test("resources/list shows a link that stays inside with its target's size, never FIFOs or sockets", async () => {
  const f = await fixture();
  try {
    await Deno.symlink("notes.txt", join(f.root, "alias.txt"));
    const fifo = await new Deno.Command("mkfifo", { args: [join(f.root, "pipe")] }).output();
    assert(fifo.success, "mkfifo");
    const { resources } = await f.session.client.listResources();
    const alias = resources.find((r) => r.name === "alias.txt");
    assertEquals(alias?.size, "hello, workspace\n".length);
    assert(!resources.some((r) => r.name === "pipe"), "a FIFO is not listed");
    const error = await readError(f, `${f.prefix}pipe`);
    assertMatch(error.message, /"pipe" is a FIFO \(named pipe\), not a regular file/);
    assertEquals(await readText(f, `${f.prefix}alias.txt`), "hello, workspace\n");
  } finally {
    await f.close();
  }
});

Deno.test("a file saved in outputs/ sends list_changed and updated to a subscriber", async () => {
  const f = await fixture();
  try {
    const listChanged = Promise.withResolvers<void>();
    const updated: string[] = [];
    const gotUpdate = Promise.withResolvers<void>();
    f.session.client.setNotificationHandler("notifications/resources/list_changed", () => {
      listChanged.resolve();
    });
    f.session.client.setNotificationHandler("notifications/resources/updated", (n) => {
      updated.push(n.params.uri);
      gotUpdate.resolve();
    });
    const caps = f.session.client.getServerCapabilities();
    assertEquals(caps?.resources, { subscribe: true, listChanged: true });
    await f.session.client.subscribeResource({ uri: `${f.prefix}outputs` });
    await assertRefusedSubscribe(f, `file://${f.root}/../secret.txt`);

    await delay(500); // the watcher's first walk runs asynchronously
    await Deno.writeFile(join(f.root, "outputs", "image-2.png"), PNG);
    await withTimeout(Promise.all([listChanged.promise, gotUpdate.promise]), 5000);
    assertEquals(updated, [`${f.prefix}outputs`]);
    const { resources } = await f.session.client.listResources();
    assert(resources.some((r) => r.uri === `${f.prefix}outputs/image-2.png`));

    // Internal files do not notify.
    updated.length = 0;
    await f.session.client.unsubscribeResource({ uri: `${f.prefix}outputs` });
    await Deno.writeFile(join(f.root, "outputs", "image-3.png"), PNG);
    await delay(300);
    assertEquals(updated, []);
  } finally {
    await f.close();
  }
});

async function assertRefusedSubscribe(f: Fixture, uri: string): Promise<void> {
  try {
    await f.session.client.subscribeResource({ uri });
  } catch (error) {
    assert(error instanceof McpError);
    assertMatch(error.message, /outside the workspace/);
    return;
  }
  throw new Error(`subscribe to "${uri}" was not refused`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no notification within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
