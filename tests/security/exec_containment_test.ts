/**
 * Class 6 of docs/SECURITY.md ("Process containment"): hostile code run by
 * the stateless executor tries to outlive its call (setsid daemons, a new
 * session, a double fork, a process that ignores SIGTERM and renames itself,
 * a bounded fork bomb), to exhaust memory (8 GiB under a 2 GiB ceiling), and
 * to kill the warm interpreter that forks the calls. Each must end with a
 * clear answer and no process left; the server must then still serve and
 * stop on SIGTERM within its grace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { makeWorkspace, startServer, stopWithin } from "../support/server.ts";

const GRACE_S = 5;
const TIMEOUT_S = 15;

const ESCAPE = `
import ctypes, os, signal, subprocess, time
r, w = os.pipe()
def record(pid):
    with open("pids.txt", "a") as f:
        f.write("%d\\n" % pid)
def daemon(setup):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            setup()
            record(os.getpid()); os.write(w, b"x")
            time.sleep(300)
        os._exit(0)
record(subprocess.Popen(["sleep", "300"], start_new_session=True).pid)
daemon(lambda: None)
daemon(lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
daemon(lambda: ctypes.CDLL(None).prctl(15, b"kworker/0:1", 0, 0, 0))
def grow(depth):
    for _ in range(2):
        if depth > 0 and os.fork() == 0:
            os.setsid()
            record(os.getpid())
            grow(depth - 1)
            os.write(w, b"x")
            time.sleep(300)
            os._exit(0)
grow(5)
n = 0
while n < 3 + 62:
    n += len(os.read(r, 100))
print("started", n + 1)
`;

async function python(client: Client, code: string): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  const result = await client.callTool({ name: "python", arguments: { code } });
  return { text: firstText(result), ms: Date.now() - started };
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

Deno.test("stateless executor under escape, memory and fork-server attacks: clear answers, no process left, then serves and stops", async () => {
  const ws = makeWorkspace();
  const server = await startServer(
    [
      "--executor",
      "subprocess",
      "--python",
      "/usr/bin/python3",
      "--toolsets",
      "python",
      "--memory-limit",
      "2048",
      "--timeout",
      String(TIMEOUT_S),
      "--shutdown-grace",
      String(GRACE_S),
    ],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  let stopped = false;
  try {
    // 1. Daemons of every kind: all gone once the answer is back.
    for (let round = 0; round < 2; round++) {
      Deno.writeTextFileSync(join(ws.path, "pids.txt"), "");
      const escaped = await python(client, ESCAPE);
      assert.match(escaped.text, /^started 66\n/);
      const pids = Deno.readTextFileSync(join(ws.path, "pids.txt")).trim().split("\n").map(Number);
      assert.equal(pids.length, 66);
      assert.deepEqual(pids.filter(alive), [], "no process the code started is left");
    }
    // A call that times out with a daemon running leaves none either.
    Deno.writeTextFileSync(join(ws.path, "pids.txt"), "");
    const slow = await python(client, ESCAPE + "time.sleep(600)");
    assert.match(slow.text, new RegExp(`timed out after ${TIMEOUT_S} s`));
    const slowPids = Deno.readTextFileSync(join(ws.path, "pids.txt")).trim().split("\n");
    assert.deepEqual(slowPids.map(Number).filter(alive), []);

    // 2. Memory bombs of 8 GiB under --memory-limit 2048: MemoryError and the way out.
    for (const bomb of ["x = bytearray(8 << 30)", "import numpy\nx = numpy.ones(1 << 30)"]) {
      const { text, ms } = await python(client, bomb);
      assert.match(text, /MemoryError/, bomb);
      assert.match(text, /--memory-limit "2048" MiB was reached/, bomb);
      assert.ok(ms < TIMEOUT_S * 1000, `${bomb}: answered in ${ms} ms`);
    }

    // 3. Code that kills the warm interpreter forking the calls.
    const killer = await python(
      client,
      "import os, signal, time\n" +
        "server = int(open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1])\n" +
        "os.kill(server, signal.SIGKILL)\ntime.sleep(60)",
    );
    assert.match(killer.text, /exited during it\. Run the code again/);
    assert.ok(killer.ms < 10_000, `answered in ${killer.ms} ms`);

    // Still serving.
    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.text()), "ok\n");
    assert.equal((await python(client, "print(6 * 7)")).text, "42\n");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await python(client, "print('forked')")).text, "forked\n");

    await client.close();
    stopped = true;
    await stopWithin(server, (GRACE_S + 5) * 1000);
  } catch (error) {
    throw new Error(`${error}\nserver log:\n${server.logs.slice(-20).join("\n")}`, {
      cause: error,
    });
  } finally {
    if (!stopped) {
      await client.close().catch(() => {});
      await server.stop();
    }
    ws.cleanup();
  }
});
