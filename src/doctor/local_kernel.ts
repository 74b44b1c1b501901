/**
 * Doctor check of the `local` executor: its driver starts with `--python`
 * in the workspace and runs a cell, the way `serve` will.
 *
 * @module
 */
import { silentLogger } from "../obs/log.ts";
import { createLocalExecutor } from "../exec/local.ts";
import type { OutputEvent } from "../exec/executor.ts";
import { type CheckRow, fail, ok } from "./report.ts";

/**
 * Starts a local interpreter, runs `x = 1 + 1` then `x`, and stops it.
 *
 * @param python `--python`
 * @param workspacePath the code's cwd
 * @param timeoutSeconds give up after this long
 * @default timeoutSeconds 15
 */
export async function checkLocalKernel(
  python: string,
  workspacePath: string,
  timeoutSeconds = 15,
): Promise<CheckRow[]> {
  const executor = createLocalExecutor({
    python,
    workspacePath,
    timeoutSeconds,
    logger: silentLogger,
  });
  const started = performance.now();
  const shown: string[] = [];
  const collect = (event: OutputEvent) => {
    if (event.type === "display") shown.push(String(event.data["text/plain"]));
    if (event.type === "error") shown.push(`${event.ename}: ${event.evalue}`);
  };
  try {
    await executor.execute({ code: "x = 1 + 1", onOutput: collect });
    const result = await executor.execute({ code: "x", onOutput: collect });
    const ms = Math.round(performance.now() - started);
    if (result.end.kind === "ok" && shown.join() === "2") {
      return [ok("local kernel", `started and kept state: x = 1 + 1, then x → 2 (${ms} ms)`)];
    }
    return [
      fail(
        "local kernel",
        `the interpreter answered ${JSON.stringify(shown.join(" "))} (${result.end.kind})`,
        `run "${python}" by hand in "${workspacePath}"; pass --python /path/to/python3`,
      ),
    ];
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [fail("local kernel", why, `install python3, or pass --python /path/to/python3`)];
  } finally {
    await executor.close();
  }
}
