/**
 * Process containment shared by the executors that start Python themselves
 * (subprocess and local): the minimal environment, the memory ceiling and
 * the lines that explain a call that ran out of memory. The Python side
 * (subreaper, killing every descendant, rlimits) is `sidekernel_contain` in
 * containment_py.ts; plot capture is `sidekernel_plots` in plots_py.ts.
 * docs/SECURITY.md ("Process containment") says what each platform gets.
 *
 * @module
 */
import { flagSpec } from "../config/flags.ts";
import { CONTAINMENT_PY, pythonModules } from "./containment_py.ts";
import { PLOTS_PY } from "./plots_py.ts";

/** Default of `--memory-limit` in MiB, from its flag entry (see docs/SECURITY.md, "Process containment"). */
export const DEFAULT_MEMORY_LIMIT_MIB: number = flagSpec("memory-limit").default;

/** Options of {@link minimalEnv}. */
export interface MinimalEnvOptions {
  /** Absolute workspace path: the code's `HOME`. */
  workspacePath: string;
  /**
   * `PATH` given to the code, the only variable taken from the server's environment.
   * @default "/usr/local/bin:/usr/bin:/bin"
   */
  path?: string;
}

/**
 * The whole environment of code the executors run (pass it with
 * `clearEnv: true`): no credential, token or setting of the server leaks in.
 *
 * @example
 * ```ts
 * new Deno.Command("python3", { clearEnv: true, env: minimalEnv({ workspacePath: "/ws" }) });
 * ```
 */
export function minimalEnv(options: MinimalEnvOptions): Record<string, string> {
  return {
    PATH: options.path ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: options.workspacePath,
    LANG: "C.UTF-8",
    PYTHONUNBUFFERED: "1",
    PYTHONIOENCODING: "utf-8",
    PYTHONDONTWRITEBYTECODE: "1",
    MPLBACKEND: "Agg",
    TERM: "dumb",
  };
}

/**
 * Python source defining the modules `sidekernel_contain` and
 * `sidekernel_plots` in `sys.modules`; put it before code that imports them.
 */
export const CONTAINMENT_PRELUDE: string = pythonModules({
  sidekernel_contain: CONTAINMENT_PY,
  sidekernel_plots: PLOTS_PY,
});

/**
 * Python source that runs `mainSource` (e.g. a long-lived driver) in a child
 * process under containment, as `python3 -c <result>`: the launched process
 * becomes a Linux child subreaper, forks the child into its own process
 * group with the memory ceiling, passes SIGINT on to it, and when the child
 * exits or the launched process gets SIGTERM, kills every descendant and
 * exits with the child's status (128 + N when killed by signal N). The
 * child keeps stdin/stdout/stderr and any other inherited descriptor.
 *
 * @param mainSource Python source executed as `__main__` in the child
 * @param memoryLimitMiB ceiling in MiB, 0 for none
 * @example
 * ```ts
 * const source = supervisedSource("import time; time.sleep(60)", 4096);
 * const child = new Deno.Command("python3", { args: ["-c", source] }).spawn();
 * child.kill("SIGTERM"); // the driver and everything it started are gone
 * ```
 */
export function supervisedSource(mainSource: string, memoryLimitMiB: number): string {
  return CONTAINMENT_PRELUDE + String.raw`
import signal as _sk_signal, sidekernel_contain as _sk_contain
def _sk_main(source=${JSON.stringify(mainSource)}):
    import __main__, sys
    sys.argv = sys.argv[:1]
    g = {"__name__": "__main__", "__builtins__": __main__.__builtins__}
    exec(compile(source, "<sidekernel driver>", "exec"), g)
_sk_code = _sk_contain.supervise(_sk_main, ${
    Math.max(0, Math.trunc(memoryLimitMiB))
  }, (_sk_signal.SIGINT,))
raise SystemExit(128 - _sk_code if _sk_code < 0 else _sk_code)
`;
}

/**
 * The line shown after a call that raised `MemoryError` under the ceiling.
 *
 * @example
 * ```ts
 * memoryLimitNote(2048); // "[memory] The code ran out of memory: ..."
 * ```
 */
export function memoryLimitNote(memoryLimitMiB: number): string {
  if (memoryLimitMiB <= 0) {
    return "[memory] The code ran out of memory (MemoryError): the machine has no more to give. " +
      "Use less memory, e.g. process the data in chunks.";
  }
  return `[memory] The code ran out of memory: the per-call ceiling --memory-limit ` +
    `"${memoryLimitMiB}" MiB was reached (MemoryError). Use less memory, e.g. process the data ` +
    `in chunks, or start sidekernel with a higher --memory-limit (SIDEKERNEL_MEMORY_LIMIT; ` +
    `0 = no ceiling).`;
}

/**
 * The line shown when the code was killed by SIGKILL that sidekernel did
 * not send: on Linux almost always the kernel's out-of-memory killer.
 */
export function oomKillNote(memoryLimitMiB: number): string {
  const ceiling = memoryLimitMiB > 0
    ? `; the --memory-limit "${memoryLimitMiB}" MiB is above what the machine or container ` +
      `can give, so lower it to get a MemoryError instead`
    : "; set --memory-limit to get a MemoryError instead";
  return `[memory] The process was killed by signal 9 (SIGKILL), most likely by the system's ` +
    `out-of-memory killer: the code used more memory than the machine or container has` +
    `${ceiling}.`;
}
