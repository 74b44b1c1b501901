/**
 * `sidekernel inject`: flags → read the file → inject every pod → print the
 * result on stdout and, on stderr, what was done to each pod, a summary and the
 * Role/RoleBinding each kept ServiceAccount needs.
 *
 * @module
 */
import { UsageError } from "../config/errors.ts";
import { parseInjectFlags } from "./flags.ts";
import { INJECT_HELP } from "./help.ts";
import { InjectInputError, injectText, type PodOutcome } from "./inject.ts";
import { rbacYaml } from "./rbac.ts";

/** Where a command reads and writes; the CLI passes the process's streams. */
export interface CommandIO {
  /** Reads all of stdin. */
  stdin: () => Promise<string>;
  /** Writes to stdout. */
  stdout: (text: string) => void;
  /** Writes to stderr. */
  stderr: (text: string) => void;
}

/**
 * Runs `sidekernel inject ARGS`.
 *
 * @param args the arguments after `inject`, e.g. `["-f", "agent.yaml"]`
 * @returns the exit code: 0 done (pods may be skipped, each with why), 1 unusable input
 *   (unreadable, empty, invalid YAML/JSON, a workload without containers; nothing is
 *   printed on stdout), 2 a bad flag (naming it)
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
    parsed = parseInjectFlags(args, { file: { type: "string", short: "f" } });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`sidekernel inject: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(INJECT_HELP);
    return 0;
  }
  const file = parsed.extra.file;
  if (typeof file !== "string" || file === "") {
    io.stderr(`sidekernel inject: -f FILE is required (use -f - to read stdin)\n`);
    return 2;
  }
  let text: string;
  try {
    text = file === "-" ? await io.stdin() : await Deno.readTextFile(file);
  } catch (e) {
    io.stderr(`sidekernel inject: ${readError(file, e)}\n`);
    return 1;
  }
  let result;
  try {
    result = injectText(text, parsed.options);
  } catch (e) {
    if (!(e instanceof InjectInputError)) throw e;
    io.stderr(`sidekernel inject: ${file === "-" ? "stdin" : `"${file}"`}: ${e.message}\n`);
    return 1;
  }
  for (const o of result.outcomes) io.stderr(report(o));
  io.stderr(`sidekernel inject: ${summary(result.outcomes, result.ignored)}\n`);
  const accounts = new Map<string, string | undefined>();
  for (const o of result.outcomes) {
    if (o.result.kind === "injected") {
      accounts.set(`${o.namespace ?? ""}/${o.result.serviceAccount}`, o.namespace);
    }
  }
  for (const [key, namespace] of accounts) {
    const account = key.slice(key.indexOf("/") + 1);
    io.stderr(
      `sidekernel inject: the sidecar acts as ServiceAccount "${account}"; the Role and ` +
        `RoleBinding it needs (kubectl apply -f):\n${rbacYaml(account, namespace)}`,
    );
  }
  io.stdout(result.output);
  return 0;
}

function report(o: PodOutcome): string {
  const at = `document ${o.document}, ${o.label}`;
  const r = o.result;
  if (r.kind === "injected") {
    return `${at}: injected\n${r.notes.map((n) => `  - ${n}\n`).join("")}`;
  }
  return `${at}: ${r.kind} (${r.reason}): ${r.message}\n`;
}

function summary(outcomes: PodOutcome[], ignored: string[]): string {
  const count = (kind: string) => outcomes.filter((o) => o.result.kind === kind).length;
  const reasons = new Map<string, number>();
  for (const o of outcomes) {
    if (o.result.kind === "skipped") {
      reasons.set(o.result.reason, (reasons.get(o.result.reason) ?? 0) + 1);
    }
  }
  const why = [...reasons].map(([r, n]) => `${r}: ${n}`).join(", ");
  const pods = (n: number) => `${n} pod${n === 1 ? "" : "s"}`;
  let line = `${pods(count("injected"))} injected, ${count("skipped")} skipped` +
    `${why ? ` (${why})` : ""}, ${count("unchanged")} unchanged`;
  if (outcomes.length === 0) {
    line += `; no Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob found ` +
      `(${ignored.join("; ") || "nothing"}); output unchanged`;
  }
  return line;
}

function readError(file: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return `"${file}" does not exist (-f)`;
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return `"${file}" may not be read by this program's permission set; ` +
      `pipe it instead: sidekernel inject -f - < ${file}`;
  }
  return `cannot read "${file}" (-f): ${e instanceof Error ? e.message : String(e)}`;
}
