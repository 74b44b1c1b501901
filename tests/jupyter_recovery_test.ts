import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { runCell, startJupyterServer } from "./support/jupyter.ts";
import { createJupyterExecutor, JupyterUnreachableError } from "../src/exec/jupyter.ts";
import { silentLogger } from "../src/obs/log.ts";

Deno.test("createJupyterExecutor() survives a Jupyter Server crash and restart", async (t) => {
  const server = await startJupyterServer();
  const executor = createJupyterExecutor({
    url: server.url,
    token: server.token,
    timeoutSeconds: 20,
    startTimeoutMs: 15_000,
    logger: silentLogger,
  });
  try {
    await t.step("between calls: the next call runs on a new kernel and says so", async () => {
      await runCell(executor, "x = 1");
      await server.restart();
      const run = await runCell(executor, "print('x' in globals())");
      assertEquals(run.end, { kind: "ok" });
      assertEquals(run.streams, "False\n");
      assertEquals(run.notes.length, 1);
      assertMatch(run.notes[0], /new kernel was started; earlier variables are gone/);
    });

    await t.step("mid-call: the running call ends as lost, the next one works", async () => {
      const running = runCell(
        executor,
        "import time\nprint('started', flush=True)\ntime.sleep(30)",
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const started = Date.now();
      await server.kill();
      const run = await running;
      assert(Date.now() - started < 5000, "the lost call does not wait for the timeout");
      assertEquals(run.end.kind, "lost");
      assertEquals(run.streams, "started\n");
      await server.restart();
      const next = await runCell(executor, "print(6 * 7)");
      assertEquals(next.end, { kind: "ok" });
      assertEquals(next.streams, "42\n");
    });

    await t.step("a call made while the server is down waits for it to come back", async () => {
      await server.kill();
      const pending = runCell(executor, "print('back')");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await server.restart();
      const run = await pending;
      assertEquals(run.end, { kind: "ok" });
      assertEquals(run.streams, "back\n");
    });

    await t.step(
      "a server that stays down fails with JupyterUnreachableError, no token",
      async () => {
        await server.kill();
        const down = createJupyterExecutor({
          url: server.url,
          token: server.token,
          timeoutSeconds: 5,
          startTimeoutMs: 500,
          logger: silentLogger,
        });
        try {
          const error = await runCell(down, "1").then(() => undefined, (e: unknown) => e);
          assert(error instanceof JupyterUnreachableError);
          assert(error.message.includes(server.url));
          assert(!error.message.includes(server.token));
          const ready = await down.ready();
          assertEquals(ready.ok, false);
          assert(!ready.detail.includes(server.token));
        } finally {
          await down.close();
        }
        await server.restart();
      },
    );
  } finally {
    await executor.close();
    await server.stop();
  }
});
