/**
 * Checks of the local side: the workspace folder and the subprocess
 * executor's Python.
 *
 * @module
 */
import { join } from "node:path";
import { type CheckRow, fail, ok } from "./report.ts";

/**
 * The workspace exists, is a directory, and a file can be written and removed in it.
 *
 * @param path the configured workspace (absolute)
 */
export async function checkWorkspace(path: string): Promise<CheckRow[]> {
  const fix = `create it, or pass --workspace-path DIR (in a pod: mount the workspace volume ` +
    `at that path)`;
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    return [fail("workspace", `"${path}" does not exist (${errorName(e)})`, fix)];
  }
  if (!stat.isDirectory) return [fail("workspace", `"${path}" is not a directory`, fix)];
  const probe = join(path, `.sidekernel-doctor-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.writeTextFile(probe, "ok\n");
    await Deno.remove(probe);
  } catch (e) {
    return [
      fail(
        "workspace",
        `"${path}" is not writable (${errorName(e)})`,
        `make it writable by uid ${uid()} (in a pod: an emptyDir, or fsGroup on the pod)`,
      ),
    ];
  }
  return [ok("workspace", `"${path}" exists and is writable`)];
}

/**
 * The subprocess executor's interpreter starts and runs `print(1+1)`.
 *
 * @param python `--python`, e.g. `python3`
 * @param timeoutMs give up after this long
 * @default timeoutMs 15000
 */
export async function checkPython(python: string, timeoutMs = 15_000): Promise<CheckRow[]> {
  const fix = `install Python 3, or pass --python /path/to/python3`;
  const code = "import sys; print(1+1); print(sys.version.split()[0])";
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: ["-c", code],
      stdin: "null",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return [fail("python", `"${python}" was not found`, fix)];
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return [
        fail(
          "python",
          `running "${python}" is not allowed by this program's permission set`,
          `pass --python with the interpreter the permission set allows (python3)`,
        ),
      ];
    }
    return [fail("python", `"${python}" could not be started: ${errorName(e)}`, fix)];
  }
  const [first, version] = new TextDecoder().decode(output.stdout).trim().split("\n");
  if (output.code !== 0 || first !== "2") {
    const err = new TextDecoder().decode(output.stderr).trim().split("\n").pop() ?? "";
    return [
      fail(
        "python",
        `"${python}" ran print(1+1) with exit code ${output.code}${err ? `: ${err}` : ""}`,
        fix,
      ),
    ];
  }
  return [ok("python", `"${python}" (Python ${version}) ran print(1+1) → 2`)];
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}

function uid(): string {
  try {
    return String(Deno.uid() ?? "of sidekernel");
  } catch {
    return "of sidekernel";
  }
}
