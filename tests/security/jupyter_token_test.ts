/**
 * Attack class 7 of docs/SECURITY.md: the Jupyter token never lands in a log.
 *
 * Jupyter logs the URL of every request at `--log-level DEBUG` and of every
 * failed one at any level, so a token in a URL ends up in its log. Here a real
 * sidekernel process drives a real Jupyter server (jupyter_server 1.23, and the
 * classic Notebook 6.4) logging at DEBUG, through the paths that make the
 * server log errors: a kernel that kills itself, a kernel deleted behind
 * sidekernel's back (as culling does), and channels and REST calls for a
 * kernel id that does not exist. Then: the token is in neither log, a decoy
 * token sent in a URL is (so the check can see a leak), the server still
 * serves, and it exits within the grace on SIGTERM.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "../support/clients.ts";
import { jupyterFlags, type JupyterKind, startJupyterServer } from "../support/jupyter.ts";
import { startServer } from "../support/server.ts";
import { KernelChannel } from "../../src/kernel/channel.ts";
import { KernelNotFoundError } from "../../src/kernel/errors.ts";
import { JupyterRestClient } from "../../src/kernel/rest.ts";

const GRACE_S = 3;
/** Past the grace: answering, then deleting the kernels sidekernel created. */
const EXIT_SLACK_MS = 7000;
const MISSING = "00000000-0000-0000-0000-000000000000";

for (const kind of ["jupyter_server", "notebook"] as JupyterKind[]) {
  for (const via of ["token file", "?token= in --jupyter-url"] as const) {
    Deno.test(`${kind}, token by ${via}: the token is in no log after forced errors`, async () => {
      const jupyter = await startJupyterServer({ kind, logLevel: "DEBUG" });
      const flags = via === "token file"
        ? jupyterFlags(jupyter)
        : ["--jupyter-url", `${jupyter.url}/?token=${jupyter.token}`];
      const server = await startServer(
        [...flags, "--log-level", "debug", "--timeout", "5", "--shutdown-grace", String(GRACE_S)],
        { workspace: jupyter.rootDir },
      );
      let stopped = false;
      try {
        const client = await connectStreamable(`${server.url}/mcp`);
        const run = async (code: string) =>
          firstText(await client.callTool({ name: "python", arguments: { code } }));
        try {
          assert.equal(await run("x = 1\nprint(x)"), "1\n");
          // The kernel kills itself: Jupyter restarts it and logs the death.
          assert.match(await run("import os\nos._exit(1)"), /died|lost|restart/i);
          // The kernel is deleted behind sidekernel's back (culling does the same).
          const rest = new JupyterRestClient({ url: jupyter.url, token: jupyter.token });
          for (const kernel of await rest.listKernels()) await rest.deleteKernel(kernel.id);
          assert.match(await run("print('x' in globals())"), /False/);
        } finally {
          await client.close();
        }

        // What sidekernel's client does for a kernel that is gone: REST and the WebSocket.
        const rest = new JupyterRestClient({ url: jupyter.url, token: jupyter.token });
        await assert.rejects(rest.getKernel(MISSING), KernelNotFoundError);
        await assert.rejects(
          KernelChannel.open({
            url: rest.channelsUrl(MISSING, crypto.randomUUID()),
            headers: rest.authHeaders(),
            kernelId: MISSING,
            onMessage: () => {},
            onClose: () => {},
          }),
          (err: Error & { status?: number }) => err.status === 404,
        );
        // Control: a token sent in a URL does land in the log.
        const decoy = `decoy${crypto.randomUUID().replaceAll("-", "")}`;
        const res = await fetch(`${jupyter.url}/api/kernels/${MISSING}?token=${decoy}`);
        await res.body?.cancel();

        // The server still serves, on a fresh session.
        const again = await connectStreamable(`${server.url}/mcp`);
        try {
          const text = firstText(
            await again.callTool({ name: "python", arguments: { code: "print(6 * 7)" } }),
          );
          assert.equal(text, "42\n");
        } finally {
          await again.close();
        }
        const health = await fetch(`${server.url}/healthz`);
        assert.equal(health.status, 200);
        await health.body?.cancel();

        const started = Date.now();
        const code = await server.stop();
        stopped = true;
        assert.equal(code, 0);
        assert.ok(Date.now() - started < GRACE_S * 1000 + EXIT_SLACK_MS, "exit within the grace");

        const jupyterLog = jupyter.log();
        assert.ok(jupyterLog.includes(decoy), "the Jupyter log shows URLs (control)");
        assert.ok(jupyterLog.includes(`${MISSING}/channels`), "the forced errors were logged");
        assert.ok(!jupyterLog.includes(jupyter.token), "the token is in the Jupyter log");
        const ours = [...server.logs, ...server.notices].join("\n");
        assert.ok(ours.includes("kernel"), "sidekernel logged the kernel events");
        assert.ok(!ours.includes(jupyter.token), "the token is in sidekernel's log");
      } finally {
        if (!stopped) await server.stop();
        await jupyter.stop();
      }
    });
  }
}
