/**
 * The local executor's driver on every Python 3 this machine has (the
 * driver is standard library only and must run from 3.7 to the newest):
 * state, last expression, a C-level write, a traceback, an interrupt.
 * Interpreters are found as `python3.N` on PATH (shims left out) and under
 * pyenv's versions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { OutputEvent } from "../src/exec/executor.ts";
import { createLocalExecutor } from "../src/exec/local.ts";
import { silentLogger } from "../src/obs/log.ts";

function interpreters(): string[] {
  const found = new Map<string, string>();
  // Version-manager shims pick a version from the environment, which the code does not get.
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "" && !/shims/.test(d));
  const home = Deno.env.get("HOME");
  if (home) {
    try {
      for (const v of Deno.readDirSync(join(home, ".pyenv", "versions"))) {
        dirs.push(join(home, ".pyenv", "versions", v.name, "bin"));
      }
    } catch {
      // No pyenv here.
    }
  }
  for (const dir of dirs) {
    for (let minor = 7; minor <= 14; minor++) {
      const path = join(dir, `python3.${minor}`);
      try {
        if (Deno.statSync(path).isFile && !found.has(`3.${minor}`)) found.set(`3.${minor}`, path);
      } catch {
        // Not in this directory.
      }
    }
  }
  return [...found.values()];
}

const workspace = Deno.makeTempDirSync({ prefix: "sidekernel-pythons-" });
Deno.test.afterAll(() => Deno.removeSync(workspace, { recursive: true }));

for (const python of interpreters()) {
  Deno.test(`local executor on ${python}: state, display, fd 1, traceback, interrupt`, async () => {
    const executor = createLocalExecutor({
      python,
      workspacePath: workspace,
      timeoutSeconds: 2,
      interruptGraceMs: 5000,
      logger: silentLogger,
    });
    const shown: string[] = [];
    const onOutput = (e: OutputEvent) =>
      shown.push(
        e.type === "stream"
          ? e.text
          : e.type === "display"
          ? String(e.data["text/plain"])
          : e.type === "error"
          ? e.ename
          : e.type,
      );
    try {
      await executor.execute({ code: "x = 6", onOutput });
      await executor.execute({ code: "import os\nos.write(1, b'c\\n')\nx * 7", onOutput });
      assert.equal((await executor.execute({ code: "1/0", onOutput })).end.kind, "error");
      const slow = await executor.execute({ code: "import time\ntime.sleep(30)", onOutput });
      assert.deepEqual(slow.end, { kind: "timeout", seconds: 2, stateKept: true });
      await executor.execute({ code: "x", onOutput });
      assert.deepEqual(shown, ["c\n", "42", "ZeroDivisionError", "KeyboardInterrupt", "6"]);
    } finally {
      await executor.close();
    }
  });
}
