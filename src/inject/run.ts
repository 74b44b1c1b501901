/**
 * `sidekernel inject`: arguments → read YAML → add the sidecar → print.
 *
 * @module
 */
import { UsageError } from "../config/errors.ts";
import { INJECT_HELP } from "./help.ts";
import { injectYaml, InjectYamlError } from "./inject.ts";
import { parseInjectArgs } from "./options.ts";

/** Where a command reads and writes; the CLI passes the process's streams. */
export interface CommandIO {
  /** Reads all of stdin. */
  stdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Runs `sidekernel inject ARGS`.
 *
 * @param args the arguments after `inject`, e.g. `["-f", "agent.yaml"]`
 * @returns the exit code: 0 done, 1 unreadable file or invalid YAML (naming the
 *   document and line), 2 a bad flag (naming it)
 * @example
 * ```ts
 * const code = await runInject(["-f", "-"], {
 *   stdin: () => Promise.resolve("kind: Pod\n..."),
 *   stdout: (s) => out.push(s),
 *   stderr: (s) => err.push(s),
 * });
 * ```
 */
export async function runInject(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseInjectArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`sidekernel inject: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(INJECT_HELP);
    return 0;
  }
  const { options } = parsed;
  let text: string;
  try {
    text = options.file === "-" ? await io.stdin() : await Deno.readTextFile(options.file);
  } catch (e) {
    io.stderr(`sidekernel inject: ${readError(options.file, e)}\n`);
    return 1;
  }
  let result;
  try {
    result = injectYaml(text, options);
  } catch (e) {
    if (!(e instanceof InjectYamlError)) throw e;
    const where = options.file === "-" ? "stdin" : `"${options.file}"`;
    io.stderr(`sidekernel inject: ${where}: ${e.message}\n`);
    return 1;
  }
  for (const o of result.outcomes) {
    const at = `document ${o.document} (${o.label})`;
    if (o.kind === "present") io.stderr(`${at}: already has a sidekernel container; unchanged\n`);
    if (o.kind === "injected") {
      io.stderr(`${at}: sidecar added\n`);
      for (const note of o.notes) io.stderr(`${at}: ${note}\n`);
    }
  }
  if (!result.outcomes.some((o) => o.kind !== "skipped")) {
    io.stderr(
      `sidekernel inject: no Pod, Deployment, StatefulSet, DaemonSet, Job or CronJob found; ` +
        `output unchanged\n`,
    );
  }
  io.stdout(result.output);
  return 0;
}

function readError(file: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return `"${file}" does not exist (-f)`;
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return `"${file}" may not be read by this program's permission set; ` +
      `pipe it instead: sidekernel inject -f - < ${file}`;
  }
  return `cannot read "${file}" (-f): ${e instanceof Error ? e.message : String(e)}`;
}
