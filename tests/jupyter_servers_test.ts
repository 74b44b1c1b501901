/**
 * The server matrix of docs/JUPYTER.md, against real servers: jupyter_server
 * 1.23 and the classic Notebook 6.4 (Debian packages), each at the root and
 * behind a JupyterHub-style base URL, and a single-user server of a real
 * JupyterHub 3.0 (Debian `jupyterhub`) reached with a Hub API token. For each: the framing it picks, `x=1`,
 * state across calls, interrupt on timeout, restart, recovery from a kernel
 * the server culled, `sidekernel doctor`'s checks, and the token in no log
 * line (the server's at DEBUG, and sidekernel's).
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import {
  type JupyterKind,
  type JupyterServer,
  type JupyterServerOptions,
  runCell,
  startJupyterServer,
} from "./support/jupyter.ts";
import { startJupyterHub } from "./support/jupyterhub.ts";
import { checkJupyter } from "../src/doctor/jupyter.ts";
import { createJupyterExecutor } from "../src/exec/jupyter.ts";
import { KernelConnection } from "../src/kernel/connection.ts";
import { JupyterRestClient } from "../src/kernel/rest.ts";
import { createLogger } from "../src/obs/log.ts";

const CULL_SECONDS = 5;

interface Case {
  kind: JupyterKind;
  version: RegExp;
  framing: "v1" | "legacy";
  baseUrl?: string;
  /** A single-user server spawned by a real JupyterHub. */
  hub?: boolean;
}

const CASES: Case[] = [
  { kind: "jupyter_server", version: /^1\./, framing: "v1" },
  { kind: "jupyter_server", version: /^1\./, framing: "v1", baseUrl: "/user/alice/" },
  { kind: "notebook", version: /^6\./, framing: "legacy" },
  { kind: "notebook", version: /^6\./, framing: "legacy", baseUrl: "/user/alice/" },
  { kind: "jupyter_server", version: /^1\./, framing: "v1", hub: true },
];

function start(c: Case): Promise<JupyterServer> {
  const options: JupyterServerOptions = { logLevel: "DEBUG", cullIdleSeconds: CULL_SECONDS };
  return c.hub
    ? startJupyterHub(options)
    : startJupyterServer({ ...options, kind: c.kind, baseUrl: c.baseUrl });
}

for (const c of CASES) {
  const name = c.hub
    ? "a JupyterHub single-user server and a Hub token"
    : `${c.kind}${c.baseUrl ? ` behind "${c.baseUrl}"` : ""}`;
  Deno.test(`createJupyterExecutor() works with ${name}`, async (t) => {
    const server = await start(c);
    const logs: string[] = [];
    const logger = createLogger("debug", (line) => logs.push(line));
    // The URL as a user gives it: with the trailing slash of the base URL.
    const url = `${server.url}/`;
    const executor = createJupyterExecutor({
      url,
      token: server.token,
      timeoutSeconds: 2,
      interruptGraceMs: 2000,
      workspacePath: server.rootDir,
      logger,
    });
    try {
      await t.step("ready() names the server's version", async () => {
        const ready = await executor.ready();
        assert(ready.ok, ready.detail);
        const version = ready.detail.match(/Jupyter Server (\S+)/)?.[1] ?? "";
        assertMatch(version, c.version);
      });

      await t.step(`the kernel WebSocket opens with the ${c.framing} framing`, async () => {
        const rest = new JupyterRestClient({ url, token: server.token });
        const kernel = await rest.createKernel("python3", "");
        const conn = await KernelConnection.open({ rest, kernelId: kernel.id, logger });
        try {
          assertEquals(conn.protocol, c.framing);
          assertEquals((await conn.execute("1", () => {}).done).status, "ok");
        } finally {
          conn.close();
          await rest.deleteKernel(kernel.id);
        }
      });

      await t.step("the doctor's Jupyter checks pass, the token not printed", async () => {
        const rows = await checkJupyter({
          kind: "jupyter",
          url: `${server.url}/?token=${server.token}`,
          kernelName: "python3",
          kernelScope: "pod",
        });
        assertEquals(rows.map((r) => [r.check, r.status]), [
          ["jupyter server", "ok"],
          ["jupyter token", "ok"],
          ["jupyter kernel", "ok"],
        ]);
        assert(!JSON.stringify(rows).includes(server.token));
      });

      await t.step("x=1, then state across calls", async () => {
        assertEquals((await runCell(executor, "x = 1")).end, { kind: "ok" });
        const run = await runCell(executor, "import os\nprint(x + 1, os.getcwd())");
        assertEquals(run.streams, `2 ${server.rootDir}\n`);
      });

      await t.step("a timeout interrupts the cell and keeps the state", async () => {
        const run = await runCell(executor, "import time\nprint('waiting')\ntime.sleep(1e6)");
        assertEquals(run.end, { kind: "timeout", seconds: 2, stateKept: true });
        assertEquals(run.streams, "waiting\n");
        assertEquals((await runCell(executor, "print(x)")).streams, "1\n");
      });

      await t.step("reset() restarts the kernel: variables gone, files kept", async () => {
        await runCell(executor, "open('kept.txt', 'w').write('x')");
        assertMatch(await executor.reset(), /restarted/);
        const run = await runCell(
          executor,
          "import os\nprint('x' in globals(), os.path.exists('kept.txt'))",
        );
        assertEquals(run.streams, "False True\n");
      });

      await t.step("a kernel the server culled is replaced, and the answer says so", async () => {
        await runCell(executor, "y = 1");
        await waitForCull(logs, server.log, CULL_SECONDS);
        const run = await runCell(executor, "print('y' in globals())");
        assertEquals(run.end, { kind: "ok" });
        assertEquals(run.streams, "False\n");
        assertEquals(run.notes.length, 1);
        assertMatch(run.notes[0], /earlier variables are gone/);
      });

      await t.step("the token is in no log line, the server's or sidekernel's", () => {
        assert(server.log().includes("/channels"), "the server logged the WebSocket requests");
        assert(!server.log().includes(server.token), "token in the Jupyter log");
        assert(logs.length > 0 && !logs.join("\n").includes(server.token), "token in our log");
      });
    } finally {
      await executor.close();
      await server.stop();
    }
  });
}

/** Waits until the server culled the idle kernel (its log says so), at most 4× the timeout. */
async function waitForCull(ours: string[], log: () => string, seconds: number): Promise<void> {
  const before = log().split("Culling '").length;
  const deadline = Date.now() + seconds * 4000;
  while (Date.now() < deadline && log().split("Culling '").length === before) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert(
    log().split("Culling '").length > before,
    `the server culled no kernel in ${seconds * 4} s; our log:\n${ours.slice(-5).join("\n")}`,
  );
  // Let the server finish shutting the kernel down.
  await new Promise((resolve) => setTimeout(resolve, 500));
}
