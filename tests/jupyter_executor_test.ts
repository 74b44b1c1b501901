import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { runCell, startJupyterServer } from "./support/jupyter.ts";
import { createJupyterExecutor } from "../src/exec/jupyter.ts";
import type { JupyterExecutorOptions } from "../src/exec/jupyter.ts";
import { JupyterRestClient } from "../src/kernel/rest.ts";
import { silentLogger } from "../src/obs/log.ts";

Deno.test("createJupyterExecutor() runs Python statefully in a real Jupyter kernel", async (t) => {
  const server = await startJupyterServer();
  const rest = new JupyterRestClient({ url: server.url, token: server.token });
  const make = (extra: Partial<JupyterExecutorOptions> = {}) =>
    createJupyterExecutor({
      url: server.url,
      token: server.token,
      timeoutSeconds: 2,
      interruptGraceMs: 1000,
      logger: silentLogger,
      ...extra,
    });
  const pod = make({ workspacePath: server.rootDir });
  try {
    await t.step("ready() names the server and kernel", async () => {
      const ready = await pod.ready();
      assert(ready.ok, ready.detail);
      assertMatch(ready.detail, /kernel "python3"/);
      const wrong = await make({ kernelName: "nope" }).ready();
      assertEquals(wrong.ok, false);
      assertMatch(wrong.detail, /no kernel "nope"/);
    });

    await t.step("execute() keeps variables between calls, cwd is the workspace", async () => {
      assertEquals((await runCell(pod, "x = 41")).end, { kind: "ok" });
      const run = await runCell(pod, "import os\nprint(x + 1, os.getcwd())");
      assertEquals(run.streams, `42 ${server.rootDir}\n`);
      assertEquals(pod.kind, "jupyter");
      assertEquals(pod.stateful, true);
    });

    await t.step("pod scope: two MCP sessions share one kernel", async () => {
      await runCell(pod, "shared = 'from a'", { sessionId: "a" });
      const run = await runCell(pod, "print(shared)", { sessionId: "b" });
      assertEquals(run.streams, "from a\n");
    });

    await t.step(
      "session scope: sessions are isolated; sessionClosed() deletes the kernel",
      async () => {
        const sessions = make({ scope: "session" });
        try {
          const before = (await rest.listKernels()).length;
          await runCell(sessions, "mine = 1", { sessionId: "a" });
          const other = await runCell(sessions, "print(mine)", { sessionId: "b" });
          assertEquals(other.end, { kind: "error" });
          assertEquals(other.events.filter((e) => e.type === "error").length, 1);
          assertEquals((await rest.listKernels()).length, before + 2);
          await sessions.sessionClosed("a");
          assertEquals((await rest.listKernels()).length, before + 1);
        } finally {
          await sessions.close();
        }
      },
    );

    await t.step("execute() forwards mixed stdout/stderr/display events in order", async () => {
      const run = await runCell(
        pod,
        [
          "import sys",
          "print('one')",
          "print('two', file=sys.stderr)",
          "display('three')",
          "sys.stdout.write('four\\n'); sys.stdout.flush()",
          "'five'",
        ].join("\n"),
      );
      const seen = run.events.map((e) =>
        e.type === "stream"
          ? `${e.name}:${e.text.trim()}`
          : e.type === "display"
          ? `display:${e.data["text/plain"]}`
          : e.type
      );
      assertEquals(seen, [
        "stdout:one",
        "stderr:two",
        "display:'three'",
        "stdout:four",
        "display:'five'",
      ]);
    });

    await t.step("execute() forwards image/png displays", async () => {
      const run = await runCell(
        pod,
        [
          "import base64, zlib, struct",
          "def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))",
          "png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0))",
          "png += chunk(b'IDAT', zlib.compress(b'\\x00\\x00')) + chunk(b'IEND', b'')",
          "from IPython.display import Image, display",
          "display(Image(data=png))",
        ].join("\n"),
      );
      const image = run.events.find((e) => e.type === "display" && "image/png" in e.data);
      assert(image && image.type === "display");
      const bytes = Uint8Array.from(
        atob(String(image.data["image/png"]).trim()),
        (c) => c.charCodeAt(0),
      );
      assertEquals([...bytes.slice(1, 4)], [80, 78, 71]); // "PNG"
    });

    await t.step("execute() forwards clear_output and update_display_data", async () => {
      const run = await runCell(
        pod,
        [
          "from IPython.display import display, clear_output",
          "h = display('draft', display_id=True)",
          "h.update('final')",
          "print('gone')",
          "clear_output(wait=True)",
          "print('kept')",
        ].join("\n"),
      );
      const [first, update, , clear] = run.events;
      assert(first.type === "display" && first.displayId);
      assertEquals(update, {
        type: "display",
        data: { "text/plain": "'final'" },
        displayId: first.displayId,
        update: true,
      });
      assertEquals(clear, { type: "clear", wait: true });
      assertEquals(run.events.length, 5);
    });

    await t.step("input() fails fast with a clear error", async () => {
      const started = Date.now();
      const run = await runCell(pod, "name = input('name? ')");
      assert(Date.now() - started < 2000);
      assertEquals(run.end, { kind: "error" });
      const errors = run.events.filter((e) => e.type === "error");
      assertEquals(errors.length, 1);
      assert(errors[0].type === "error");
      assertMatch(errors[0].evalue, /input\(\) is not supported.*stdin/);
      assert(!errors[0].traceback.join("").includes("kernelbase.py"));
    });

    await t.step("syntax and runtime errors produce one error event", async () => {
      const syntax = await runCell(pod, "def f(:\n  pass");
      assertEquals(syntax.end, { kind: "error" });
      assertEquals(syntax.events.map((e) => e.type === "error" && e.ename), ["SyntaxError"]);
      const runtime = await runCell(pod, "print('before')\n1/0");
      assertEquals(runtime.end, { kind: "error" });
      assertEquals(runtime.events.map((e) => e.type === "error" ? e.ename : e.type), [
        "stream",
        "ZeroDivisionError",
      ]);
    });

    await t.step("execute() times out, interrupts, and keeps state", async () => {
      await runCell(pod, "kept = 'yes'");
      const run = await runCell(pod, "import time\nprint('waiting')\ntime.sleep(1e6)");
      assertEquals(run.end, { kind: "timeout", seconds: 2, stateKept: true });
      assertEquals(run.streams, "waiting\n");
      assert(run.events.every((e) => e.type !== "error"), "no KeyboardInterrupt traceback");
      assert(run.progress.length >= 1);
      assertEquals(run.progress.at(-1)?.lastLine, "waiting");
      assertEquals((await runCell(pod, "print(kept)")).streams, "yes\n");
    });

    await t.step("execute() restarts a kernel that ignores the interrupt", async () => {
      await runCell(pod, "doomed = 1");
      const run = await runCell(
        pod,
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(1e6)",
      );
      assertEquals(run.end, { kind: "timeout", seconds: 2, stateKept: false });
      const next = await runCell(pod, "import os\nprint('doomed' in globals(), os.getcwd())");
      assertEquals(next.streams, `False ${server.rootDir}\n`);
    });

    await t.step("an aborted signal interrupts the execution (MCP cancellation)", async () => {
      await runCell(pod, "y = 7");
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const run = await runCell(pod, "import time\ntime.sleep(1e6)", { signal: controller.signal });
      assertEquals(run.end, { kind: "cancelled", stateKept: true });
      assert(Date.now() - started < 1500);
      assertEquals((await runCell(pod, "print(y)")).streams, "7\n");
    });

    await t.step("concurrent executions are queued, never interleaved", async () => {
      const cell = (n: number) =>
        `import time\nfor i in range(3):\n    print(${n}, i, flush=True)\n    time.sleep(0.02)`;
      const runs = await Promise.all([1, 2, 3].map((n) => runCell(pod, cell(n))));
      runs.forEach((run, n) => assertEquals(run.streams, `${n + 1} 0\n${n + 1} 1\n${n + 1} 2\n`));
    });

    await t.step("os._exit(1) ends the call as lost; the next call works", async () => {
      await runCell(pod, "before_crash = 1");
      const run = await runCell(pod, "import os\nos._exit(1)");
      assertEquals(run.end.kind, "lost");
      assert(run.end.kind === "lost");
      assertMatch(run.end.reason, /died/);
      const next = await runCell(pod, "print('before_crash' in globals())");
      assertEquals(next.end, { kind: "ok" });
      assertEquals(next.streams, "False\n");
      assertEquals(next.notes, []);
    });

    await t.step("a kernel culled while idle is replaced, and the next call says so", async () => {
      await runCell(pod, "z = 1");
      for (const kernel of await rest.listKernels()) await rest.deleteKernel(kernel.id);
      const run = await runCell(pod, "print('z' in globals())");
      assertEquals(run.end, { kind: "ok" });
      assertEquals(run.streams, "False\n");
      assertEquals(run.notes.length, 1);
      assertMatch(run.notes[0], /new kernel was started; earlier variables are gone/);
    });

    await t.step("reset() restarts the kernel; files stay", async () => {
      await runCell(pod, "w = 1\nopen('kept.txt', 'w').write('x')");
      assertMatch(await pod.reset(), /restarted/);
      const run = await runCell(
        pod,
        "import os\nprint('w' in globals(), os.path.exists('kept.txt'))",
      );
      assertEquals(run.streams, "False True\n");
    });

    await t.step("close() deletes the kernels it created, and only those", async () => {
      const foreign = await rest.createKernel("python3", "");
      await pod.close();
      assertEquals((await rest.listKernels()).map((k) => k.id), [foreign.id]);
      await rest.deleteKernel(foreign.id);
    });
  } finally {
    await pod.close();
    await server.stop();
  }
});
