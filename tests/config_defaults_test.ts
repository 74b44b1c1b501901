/**
 * Each flag's default is written once, in the flag table (README.md, "Command
 * line"): what `sidekernel serve --help` prints, what `loadConfig([])` yields
 * and what README's table shows all come from it. A user who reads a default
 * in the help, or types it back, gets exactly the default behaviour.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Config, loadConfig } from "../src/config/config.ts";
import { configSources } from "./support/config_sources.ts";
import { UsageError } from "../src/config/errors.ts";
import { envName, FLAGS, type FlagSpec } from "../src/config/flags.ts";
import { ROOT, SIDEKERNEL_ARGS } from "./support/server.ts";

const SOURCES = configSources();

const JUPYTER = ["--jupyter-url", "http://127.0.0.1:8888"];

/** Where each flag with a default shows up in a {@link Config} (local, or jupyter for its flags). */
const IN_CONFIG: Record<string, (local: Config, jupyter: Config) => unknown> = {
  transport: (c) => c.transport,
  host: (c) => c.host,
  port: (c) => c.port,
  toolsets: (c) => c.toolsets,
  "log-level": (c) => c.logLevel,
  "allowed-hosts": (c) => c.allowedHosts,
  "allowed-origins": (c) => c.allowedOrigins,
  "max-sessions": (c) => c.maxSessions,
  "session-idle-timeout": (c) => c.sessionIdleSeconds,
  "shutdown-grace": (c) => c.shutdownGraceSeconds,
  "call-timeout": (c) => c.callTimeoutSeconds,
  "resume-timeout": (c) => c.resumeTimeoutSeconds,
  "debug-faults": (c) => c.debugFaults ? "on" : "off",
  python: (c) => c.executor.kind === "local" ? c.executor.python : undefined,
  timeout: (c) => c.timeoutSeconds,
  "max-output": (c) => c.maxOutput,
  "max-executions": (c) => c.maxExecutions,
  "memory-limit": (c) => c.memoryLimitMiB,
  "kernel-scope": (c) => c.executor.kind === "local" ? c.executor.kernelScope : undefined,
  "kernel-name": (_, j) => j.executor.kind === "jupyter" ? j.executor.kernelName : undefined,
};

const WITH_DEFAULT = FLAGS.filter((f) => f.default !== undefined);

/** The default as a user types it: a number or word as is, a list with commas. */
function typed(spec: FlagSpec): string {
  const value = spec.default;
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** The text after `default:` in a flag's block of `--help`, lines joined. */
function helpDefault(help: string, name: string): string | undefined {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`  --${name} `));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && /^ {34}\S/.test(lines[end])) end++;
  const block = lines.slice(start, end).map((l) => l.trim()).join(" ");
  return /default: (.*?);? env: /.exec(block)?.[1];
}

async function serveHelpOfProgram(): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, "serve", "--help"],
    cwd: ROOT,
    env: {},
    stdin: "null",
  }).output();
  assert.equal(output.code, 0);
  return new TextDecoder().decode(output.stdout);
}

Deno.test("every flag with a default: sidekernel serve --help shows it and loadConfig([]) yields it", async () => {
  const help = await serveHelpOfProgram();
  const local = loadConfig([], SOURCES);
  const jupyter = loadConfig(JUPYTER, SOURCES);
  assert.ok(WITH_DEFAULT.length >= 18, `${WITH_DEFAULT.length} flags with a default`);
  for (const spec of WITH_DEFAULT) {
    const shown = helpDefault(help, spec.name);
    const note = spec.defaultNote ? ` ${spec.defaultNote}` : "";
    assert.equal(shown, typed(spec) + note, `--help of --${spec.name}`);
    const read = IN_CONFIG[spec.name];
    assert.ok(read, `--${spec.name} has a default: say where it lands in Config (IN_CONFIG)`);
    assert.deepEqual(read(local, jupyter), spec.default, `loadConfig([]) for --${spec.name}`);
  }
  // The public numbers (README.md, "Command line"), as a user reads them.
  for (const [name, value] of [["timeout", "120"], ["max-output", "20000"], ["port", "8000"]]) {
    assert.equal(helpDefault(help, name), value, name);
  }
});

Deno.test("a flag without a fixed default says in --help what happens instead", async () => {
  const help = await serveHelpOfProgram();
  assert.equal(helpDefault(help, "executor"), "jupyter if --jupyter-url, else local");
  assert.equal(helpDefault(help, "workspace-path"), "/workspace if it exists, else ./workspace");
  assert.equal(helpDefault(help, "jupyter-url"), "none");
  for (const spec of FLAGS) assert.ok(helpDefault(help, spec.name), `--${spec.name} in --help`);
  const long = help.split("\n").filter((line) => line.length > 100);
  assert.deepEqual(long, [], "help lines wrap at 100 columns");
});

Deno.test("typing a default back, as a flag or as its variable, changes nothing", () => {
  const defaults = loadConfig([], SOURCES);
  for (const spec of WITH_DEFAULT) {
    const asFlag = loadConfig([`--${spec.name}`, typed(spec)], SOURCES);
    assert.deepEqual(asFlag, defaults, `--${spec.name} ${typed(spec)}`);
    const asVariable = loadConfig([], {
      ...SOURCES,
      env: (n) => n === envName(spec.name) ? typed(spec) : undefined,
    });
    assert.deepEqual(asVariable, defaults, `${envName(spec.name)}=${typed(spec)}`);
  }
});

Deno.test("loadConfig() refuses a value outside a flag's range or choices, naming the flag", () => {
  for (const spec of FLAGS) {
    const bad = spec.type === "integer" ? String(spec.max + 1) : spec.choices ? "bogus" : undefined;
    if (bad === undefined) continue;
    const args = spec.name === "kernel-name"
      ? [...JUPYTER, `--${spec.name}`, bad]
      : [`--${spec.name}`, bad];
    assert.throws(
      () => loadConfig(args, SOURCES),
      (e: unknown) =>
        e instanceof UsageError && e.flag === spec.name &&
        e.message.includes(`--${spec.name} "${bad}"`) &&
        e.message.includes(
          spec.type === "integer" ? `to ${spec.max}` : spec.choices?.join(", ") ?? "",
        ),
      `--${spec.name} ${bad}`,
    );
  }
});

Deno.test("README's Command line table shows each flag's default as the flag table has it", () => {
  const readme = Deno.readTextFileSync(`${ROOT}/README.md`);
  // Cells split at the pipes Markdown does not escape (`http\|stdio` is one cell).
  const rows = readme.split("\n").filter((l) => l.startsWith("| `--")).map((l) =>
    l.split(/(?<!\\)\|/)
  );
  for (const spec of FLAGS) {
    if (spec.help.startsWith("tests only")) continue;
    const row = rows.find((cells) => cells[1].includes(`\`--${spec.name}`));
    assert.ok(row, `README has a row for --${spec.name}`);
    if (spec.default === undefined) continue;
    const cell = row[2];
    assert.ok(
      cell.includes(`\`${typed(spec)}\``),
      `README shows --${spec.name}'s default: ${cell.trim()}`,
    );
  }
});
