/**
 * The bundle `deno task compile` compiles (scripts/bundle.sh), built into a
 * temp dir, and the `deno run` arguments that run it like `deno task start`
 * runs the sources: the same permission set and flags, plus the config.
 *
 * @module
 */
import { join } from "node:path";
import { ROOT, SERVE_ARGS } from "./server.ts";

/** A built bundle. */
export interface Bundle {
  /** The temp dir that holds it. */
  dir: string;
  /** `deno run` arguments up to (and with) the bundle's main.js; add the command and flags. */
  command: string[];
  /** Removes the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * Builds the bundle.
 *
 * @throws {Error} naming scripts/bundle.sh and its stderr when it fails
 */
export async function buildBundle(): Promise<Bundle> {
  const dir = await Deno.makeTempDir({ prefix: "sidekernel-bundle-" });
  const built = await new Deno.Command("sh", {
    args: [join(ROOT, "scripts/bundle.sh"), dir],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!built.success) {
    await Deno.remove(dir, { recursive: true });
    throw new Error(
      `scripts/bundle.sh failed (exit ${built.code}):\n${new TextDecoder().decode(built.stderr)}`,
    );
  }
  const flags = SERVE_ARGS.slice(0, SERVE_ARGS.indexOf(join(ROOT, "main.ts")));
  const project = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const config = join(dir, "deno.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({ permissions: { server: project.permissions.server } }, null, 2),
  );
  const [run, ...rest] = flags;
  return {
    dir,
    command: [run, "--no-lock", ...rest, "--config", config, join(dir, "main.js")],
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}
