/**
 * A full workspace: the workspace is a 1 MiB tmpfs (this needs root to
 * mount; the test is skipped with the reason otherwise). Code that fills it
 * gets Python's own error; a call needs no disk of its own (the local
 * executor writes no cell file), so the next one still answers; the full
 * text of a truncated output that cannot be saved is said to be lost, and
 * once space is freed the server serves again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { makeWorkspace, startServer } from "../support/server.ts";
import { record } from "./support/report.ts";

const ws = makeWorkspace();
const mounted = (await new Deno.Command("mount", {
  args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", ws.path],
  stdout: "null",
  stderr: "null",
}).output().catch(() => ({ success: false }))).success;

Deno.test({
  name: "disk full in the workspace: clear error texts, then the server serves again",
  ignore: !mounted,
  async fn() {
    const server = await startServer(["--timeout", "20", "--max-output", "2000"], {
      workspace: ws.path,
    });
    let client: Client | undefined;
    try {
      client = await connectStreamable(`${server.url}/mcp`);
      const run = async (code: string) =>
        firstText(await client!.callTool({ name: "python", arguments: { code } }));
      assert.equal(await run("print('ok')"), "ok\n");

      // 1. The code fills the disk: Python's own error, shown as a traceback.
      const fill = await run("open('filler.bin', 'wb').write(b'x' * 4_000_000)");
      assert.match(fill, /No space left on device/);

      // The cell file of that call was removed after it ran; take the last pages too.
      for (let i = 0; i < 1000; i++) {
        const ok = await Deno.writeFile(join(ws.path, `pad-${i}`), new Uint8Array(4096)).then(
          () => true,
          () => false,
        );
        if (!ok) break;
      }
      // 2. Not a byte free: a call still answers, since running code writes nothing to disk.
      const full = await client.callTool({ name: "python", arguments: { code: "print(1)" } });
      const fullText = firstText(full);
      assert.equal(fullText, "1\n");

      // 3. Space freed: serves again.
      await Deno.remove(join(ws.path, "filler.bin"));
      for (const entry of Deno.readDirSync(ws.path)) {
        if (entry.name.startsWith("pad-")) Deno.removeSync(join(ws.path, entry.name));
      }
      assert.equal(await run("print(6 * 7)"), "42\n");

      // 4. A truncated output whose full text cannot be saved still answers.
      // Leave 64 KiB: not enough for the 200 kB full text.
      const df = await new Deno.Command("df", {
        args: ["--output=avail", "-B1", ws.path],
        stdout: "piped",
      }).output();
      const avail = Number(new TextDecoder().decode(df.stdout).split("\n")[1]);
      await Deno.writeFile(join(ws.path, "filler2.bin"), new Uint8Array(avail - 64 * 1024));
      assert.equal(await run("print('small')"), "small\n");
      const big = await run("print('y' * 200_000)");
      record({
        group: "disk",
        name: "workspace on a full 1 MiB tmpfs (local executor)",
        observed: `code: Python's ENOSPC traceback; next call: ${
          JSON.stringify(fullText.slice(0, 160))
        }${full.isError ? " (isError)" : ""}; big output: ${
          JSON.stringify(big.slice(0, 100))
            .slice(
              0,
              200,
            )
        }`,
      });
      assert.ok(big.length < 20_000, `${big.length} chars`);
      assert.match(big, /y{100}/);
      assert.match(big, /could not be saved/, big.slice(-400));
      await Deno.remove(join(ws.path, "filler2.bin")).catch(() => {});
      assert.equal(await run("print('again')"), "again\n");
      const health = await fetch(`${server.url}/healthz`);
      await health.body?.cancel();
      assert.equal(health.status, 200);
    } finally {
      await client?.close();
      await server.stop();
    }
  },
});

Deno.test.afterAll(async () => {
  if (mounted) {
    await new Deno.Command("umount", { args: [ws.path], stdout: "null", stderr: "null" })
      .output();
  }
  ws.cleanup();
});
