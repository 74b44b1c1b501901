/**
 * The local executor's interpreter and what the code started do not outlive
 * sidekernel, even when sidekernel is killed (SIGKILL) while a cell runs.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

async function alive(pid: string): Promise<boolean> {
  const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", pid] }).output();
  const stat = new TextDecoder().decode(out.stdout).trim();
  return stat !== "" && !stat.startsWith("Z");
}

Deno.test("local executor: sidekernel killed mid-cell leaves no interpreter or child behind", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--timeout", "60"], { workspace: ws.path });
  try {
    const client = await connectStreamable(`${server.url}/mcp`);
    const pids = firstText(
      await client.callTool({
        name: "python",
        arguments: {
          code: "import os, subprocess\nchild = subprocess.Popen(['sleep', '4323'])\n" +
            "print(os.getppid(), os.getpid(), child.pid)",
        },
      }),
    ).trim().split(" ");
    assert.equal(pids.length, 3, pids.join(" "));
    for (const pid of pids) assert.ok(await alive(pid), `${pid} runs`);
    // A cell that would run for a minute when sidekernel goes away.
    void client.callTool({
      name: "python",
      arguments: { code: "import time\ntime.sleep(60)" },
    }).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    Deno.kill(server.pid, "SIGKILL");
    await server.stop();
    const end = Date.now() + 10_000;
    const remaining = async () => (await Promise.all(pids.map(alive))).some((a) => a);
    while (await remaining() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.ok(!await remaining(), `none of supervisor/interpreter/child ${pids} remains`);
    await client.close().catch(() => {});
  } finally {
    ws.cleanup();
  }
});
