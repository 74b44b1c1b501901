/**
 * The subprocess executor with a real interpreter, both ways it starts a call
 * (forked from the warm fork server, and a fresh process): output, plots,
 * the memory ceiling, and that nothing the code starts outlives the call
 * (docs/SECURITY.md, "Process containment").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Executor, OutputEvent } from "../src/exec/executor.ts";
import { createSubprocessExecutor, type SubprocessOptions } from "../src/exec/subprocess.ts";
import { silentLogger } from "../src/obs/log.ts";

const PYTHON = "/usr/bin/python3";

interface Ran {
  text: string;
  displays: Record<string, unknown>[];
  notes: string[];
  end: string;
  ms: number;
}

async function run(exec: Executor, code: string): Promise<Ran> {
  let text = "";
  const displays: Record<string, unknown>[] = [];
  const started = performance.now();
  const result = await exec.execute({
    code,
    onOutput: (event: OutputEvent) => {
      if (event.type === "stream") text += event.text;
      if (event.type === "display") displays.push(event.data);
    },
  });
  return {
    text,
    displays,
    notes: result.notes,
    end: result.end.kind,
    ms: performance.now() - started,
  };
}

/** Runs `body` with a subprocess executor on a fresh temporary workspace, then closes both. */
async function withExecutor(
  options: Partial<SubprocessOptions>,
  body: (exec: Executor, ws: string) => Promise<void>,
): Promise<void> {
  const ws = Deno.makeTempDirSync({ prefix: "sk-sub-" });
  const exec = createSubprocessExecutor({
    python: PYTHON,
    workspacePath: ws,
    timeoutSeconds: 30,
    logger: silentLogger,
    ...options,
  });
  try {
    await body(exec, ws);
  } finally {
    await exec.close();
    Deno.removeSync(ws, { recursive: true });
  }
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Pids the hostile code wrote to `pids.txt`, one a line. */
function recordedPids(ws: string): number[] {
  const text = Deno.readTextFileSync(join(ws, "pids.txt"));
  return text.split("\n").filter((l) => l.trim()).map(Number);
}

const RECORD = `
import os, signal, subprocess, sys, time, ctypes
def record(pid):
    with open("pids.txt", "a") as f:
        f.write("%d\\n" % pid)
`;

/** Each case starts processes that try to outlive the call, records their pids, and returns. */
const ESCAPES: Record<string, string> = {
  "setsid() after fork()": `
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    record(os.getpid()); os.write(w, b"x")
    time.sleep(300)
    os._exit(0)
os.read(r, 1)
`,
  "Popen(start_new_session=True)": `
record(subprocess.Popen(["sleep", "300"], start_new_session=True).pid)
`,
  "double fork + setsid daemon": `
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        record(os.getpid()); os.write(w, b"x")
        time.sleep(300)
    os._exit(0)
os.read(r, 1)
`,
  "ignores SIGTERM, renamed with PR_SET_NAME": `
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ctypes.CDLL(None).prctl(15, b"kworker/0:1", 0, 0, 0)
    record(os.getpid()); os.write(w, b"x")
    time.sleep(300)
    os._exit(0)
os.read(r, 1)
`,
  "bounded fork bomb (binary tree of depth 6, each level setsid)": `
r, w = os.pipe()
def grow(depth):
    for _ in range(2):
        if depth > 0 and os.fork() == 0:
            os.setsid()
            record(os.getpid())
            grow(depth - 1)
            os.write(w, b"x")
            time.sleep(300)
            os._exit(0)
grow(6)
n = 0
while n < 126:
    n += len(os.read(r, 126))
`,
};

for (const fork of [true, false]) {
  const mode = fork ? "fork server" : "fresh process";

  Deno.test(`subprocess executor (${mode}): nothing the code starts outlives the call`, async () => {
    await withExecutor({ timeoutSeconds: 60, forkServer: fork }, async (exec, ws) => {
      for (const [name, code] of Object.entries(ESCAPES)) {
        Deno.writeTextFileSync(join(ws, "pids.txt"), "");
        const ran = await run(exec, RECORD + code + "\nprint('started')\n");
        assert.equal(ran.text, "started\n", name);
        const pids = recordedPids(ws);
        assert.ok(pids.length > 0, `${name}: started something`);
        const left = pids.filter(alive);
        assert.deepEqual(left, [], `${name}: still running after the call: ${left.join(", ")}`);
      }
    });
  });

  Deno.test(`subprocess executor (${mode}): a timed-out call leaves no daemon`, async () => {
    await withExecutor({ timeoutSeconds: 2, forkServer: fork }, async (exec, ws) => {
      Deno.writeTextFileSync(join(ws, "pids.txt"), "");
      const ran = await run(
        exec,
        RECORD + ESCAPES["double fork + setsid daemon"] + "time.sleep(60)",
      );
      assert.equal(ran.end, "timeout");
      assert.ok(ran.ms < 10_000, `answered in ${ran.ms} ms`);
      assert.deepEqual(recordedPids(ws).filter(alive), []);
    });
  });

  Deno.test(`subprocess executor (${mode}): an 8 GiB bomb under a 2 GiB ceiling says memory ran out`, async () => {
    await withExecutor(
      { timeoutSeconds: 60, forkServer: fork, memoryLimitMiB: 2048 },
      async (exec) => {
        const bombs = [
          "x = bytearray(8 << 30)",
          "import numpy as np\nx = np.ones((8 << 30) // 8)",
          "chunks = []\nwhile len(chunks) < 128:\n    chunks.append(bytearray(64 << 20))",
        ];
        for (const bomb of bombs) {
          const ran = await run(exec, bomb);
          assert.equal(ran.end, "error", bomb);
          assert.match(ran.text, /MemoryError/, bomb);
          assert.equal(ran.notes.length, 1, `${bomb}: ${ran.notes}`);
          assert.match(ran.notes[0], /ran out of memory.*--memory-limit "2048" MiB was reached/);
          assert.match(ran.notes[0], /SIDEKERNEL_MEMORY_LIMIT/);
        }
        // Under the ceiling, numpy and pandas still work (RLIMIT_DATA, not RLIMIT_AS).
        const ok = await run(exec, "import numpy, pandas\nprint(int(numpy.ones(1 << 24).sum()))");
        assert.equal(ok.text, `${1 << 24}\n`);
        // A SIGKILL sidekernel did not send is explained as the out-of-memory killer's.
        const killed = await run(exec, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)");
        assert.match(killed.notes.join("\n"), /signal 9 \(SIGKILL\), most likely .*out-of-memory/);
      },
    );
  });

  Deno.test(`subprocess executor (${mode}): plt.show() and open figures come back as PNG`, async () => {
    await withExecutor({ timeoutSeconds: 60, forkServer: fork }, async (exec) => {
      const ran = await run(
        exec,
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\nprint('between')\n" +
          "plt.figure()\nplt.bar([1], [2])\n",
      );
      assert.equal(ran.end, "ok", ran.text);
      assert.equal(ran.displays.length, 2, "one at show(), one at the end of the call");
      for (const bundle of ran.displays) {
        const png = atob(String(bundle["image/png"]));
        assert.equal(png.slice(1, 4), "PNG");
        assert.match(String(bundle["text/plain"]), /^<Figure size/);
      }
      assert.equal(ran.text, "between\n");
      // A child process that imports matplotlib keeps the headless Agg backend.
      const child = await run(
        exec,
        "import subprocess, sys\nsubprocess.run([sys.executable, '-c', " +
          "'import matplotlib.pyplot as p; print(p.get_backend())'])",
      );
      assert.equal(child.text.trim().toLowerCase(), "agg");
    });
  });
}

Deno.test("subprocess executor: output in order, input() fails fast, fresh state per call", async () => {
  await withExecutor({ timeoutSeconds: 30 }, async (exec) => {
    const ordered = await run(
      exec,
      "import os, subprocess, sys\nprint('a', flush=True)\nos.write(1, b'b\\n')\n" +
        "subprocess.run(['echo', 'c'])\nprint('d', file=sys.stderr)",
    );
    assert.equal(ordered.text, "a\nb\nc\nd\n");
    const first = await run(exec, "x = 41\nimport __main__\nprint(sorted(vars(__main__))[:3])");
    assert.equal(first.text, "['__builtins__', '__doc__', '__file__']\n");
    const second = await run(exec, "print('x' in globals())");
    assert.equal(second.text, "False\n");
    const asked = await run(exec, "input('name? ')");
    assert.match(asked.text, /input\(\) is not available/);
    const error = await run(exec, "def f():\n    return 1 / 0\nf()");
    assert.match(error.text, /File "<cell>", line 2, in f\n\s+return 1 \/ 0/);
  });
});

Deno.test("subprocess executor: code that SIGKILLs its own supervisor leaves nothing behind", async () => {
  await withExecutor({ timeoutSeconds: 30 }, async (exec, ws) => {
    Deno.writeTextFileSync(join(ws, "pids.txt"), "");
    const ran = await run(
      exec,
      RECORD + ESCAPES["double fork + setsid daemon"] +
        "record(os.getpid())\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(30)",
    );
    assert.equal(ran.end, "error");
    assert.ok(ran.ms < 10_000, `answered in ${ran.ms} ms`);
    const pids = recordedPids(ws);
    assert.equal(pids.length, 2);
    assert.deepEqual(pids.filter(alive), [], "the daemon and the code itself are gone");
    assert.equal((await run(exec, "print('next')")).text, "next\n");
  });
});

Deno.test("subprocess executor: code that kills the fork server gets a clear answer; the next call works", async () => {
  await withExecutor({ timeoutSeconds: 30 }, async (exec) => {
    await run(exec, "pass");
    const ran = await run(
      exec,
      "import os, signal, time\nsupervisor = os.getppid()\n" +
        "server = int(open(f'/proc/{supervisor}/stat').read().rsplit(')', 1)[1].split()[1])\n" +
        "os.kill(server, signal.SIGKILL)\ntime.sleep(30)",
    );
    assert.equal(ran.end, "error");
    assert.match(ran.notes.join("\n"), /exited during it\. Run the code again/);
    assert.ok(ran.ms < 10_000, `answered in ${ran.ms} ms`);
    const next = await run(exec, "print('back')");
    assert.equal(next.text, "back\n");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await run(exec, "print('forked again')");
    assert.equal(later.text, "forked again\n");
  });
});
