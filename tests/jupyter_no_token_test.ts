/**
 * A Jupyter server with no token (auth done in front of it, as Open Data Hub's
 * proxy does) checks XSRF on every POST and DELETE: creating, interrupting,
 * restarting and deleting kernels must still work (docs/JUPYTER.md, "Servers").
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { type JupyterKind, runCell, startJupyterServer } from "./support/jupyter.ts";
import { createJupyterExecutor } from "../src/exec/jupyter.ts";
import { JupyterRestClient } from "../src/kernel/rest.ts";
import { silentLogger } from "../src/obs/log.ts";

for (const kind of ["jupyter_server", "notebook"] as JupyterKind[]) {
  Deno.test(`createJupyterExecutor() works with a token-less ${kind} (XSRF)`, async (t) => {
    const server = await startJupyterServer({ kind, noToken: true });
    const executor = createJupyterExecutor({
      url: server.url,
      timeoutSeconds: 2,
      interruptGraceMs: 2000,
      logger: silentLogger,
    });
    const rest = new JupyterRestClient({ url: server.url });
    try {
      await t.step("the server refuses a POST without the XSRF pair (control)", async () => {
        const res = await fetch(`${server.url}/api/kernels`, { method: "POST", body: "{}" });
        assertEquals(res.status, 403);
        assertMatch(await res.text(), /_xsrf/);
      });

      await t.step("x=1, state across calls, a timeout interrupts, reset restarts", async () => {
        assertEquals((await runCell(executor, "x = 1")).end, { kind: "ok" });
        assertEquals((await runCell(executor, "print(x + 1)")).streams, "2\n");
        const slow = await runCell(executor, "import time\ntime.sleep(1e6)");
        assertEquals(slow.end, { kind: "timeout", seconds: 2, stateKept: true });
        assertMatch(await executor.reset(), /restarted/);
        assertEquals((await runCell(executor, "print('x' in globals())")).streams, "False\n");
      });

      await t.step("close() deletes the kernel it created", async () => {
        assertEquals((await rest.listKernels()).length, 1);
        await executor.close();
        assertEquals(await rest.listKernels(), []);
      });
    } finally {
      await executor.close();
      await server.stop();
    }
  });
}
