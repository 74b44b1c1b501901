/**
 * sidekernel: parse → config → run command.
 *
 * Each command's code is imported when that command runs, so `serve` never
 * loads inject, webhook or doctor (less memory and a faster start; see
 * docs/PERFORMANCE.md).
 *
 * @module
 */
import { type ConfigSources, loadConfig } from "./src/config/config.ts";
import { UsageError } from "./src/config/errors.ts";
import { programEnvNames } from "./src/config/flags.ts";
import { MAIN_HELP, serveHelp } from "./src/config/help.ts";
import { createLogger } from "./src/obs/log.ts";
import type { CommandIO } from "./src/inject/run.ts";
import { VERSION } from "./src/version.ts";

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const err = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

/** Reads the environment; a variable outside the permission set reads as unset. */
function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function denoSources(): ConfigSources {
  return {
    env,
    readTextFile: (path) => Deno.readTextFileSync(path),
    isDirectory: (path) => {
      try {
        return Deno.statSync(path).isDirectory;
      } catch {
        return false;
      }
    },
    cwd: Deno.cwd(),
  };
}

async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const command = first === undefined || first.startsWith("-") ? "serve" : first;
  const commandArgs = command === first ? rest : args;
  if (first === "--help" || first === "-h" || command === "help") {
    out(MAIN_HELP);
    return 0;
  }
  if (command === "version") {
    out(`sidekernel ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target})\n`);
    return 0;
  }
  const io: CommandIO = {
    stdin: () => new Response(Deno.stdin.readable).text(),
    stdout: out,
    stderr: err,
  };
  if (command === "inject") {
    const { runInject } = await import("./src/inject/run.ts");
    return await runInject(commandArgs, io);
  }
  if (command === "webhook") {
    const { runWebhook } = await import("./src/webhook/run.ts");
    return await runWebhook(commandArgs, io, Deno.cwd());
  }
  if (command === "doctor") {
    if (commandArgs.includes("--help") || commandArgs.includes("-h")) {
      out((await import("./src/doctor/help.ts")).DOCTOR_HELP);
      return 0;
    }
    const { runDoctor } = await import("./src/doctor/run.ts");
    return await runDoctor(loadConfig(commandArgs, denoSources()), io);
  }
  if (command !== "serve") {
    throw new UsageError(
      "",
      `unknown command "${command}"; commands: serve, inject, webhook, doctor, version`,
    );
  }
  if (commandArgs.includes("--help") || commandArgs.includes("-h")) {
    out(serveHelp());
    return 0;
  }
  const config = loadConfig(commandArgs, denoSources());
  const logger = createLogger(config.logLevel);
  try {
    const { launch } = await import("./src/server/launch.ts");
    return await launch(config, { logger, path: env("PATH"), envNames: programEnvNames() });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    logger.error("sidekernel stopped", { error });
    return 1;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (error instanceof UsageError) {
      err(`sidekernel: ${error.message}\n`);
      Deno.exit(2);
    }
    err(`sidekernel: ${error instanceof Error ? error.message : String(error)}\n`);
    Deno.exit(1);
  }
}
