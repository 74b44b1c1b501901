/**
 * `ConfigSources` for `loadConfig()` tests: only the environment variables
 * and files given, no directories, a fixed cwd, so a test sees what the flags
 * and the flag table alone give.
 *
 * @module
 */
import type { ConfigSources } from "../../src/config/config.ts";

/** Sources holding exactly `env` and `files` (path → text). */
export function configSources(
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): ConfigSources {
  return {
    env: (name) => env[name],
    readTextFile: (path) => {
      if (path in files) return files[path];
      throw new Deno.errors.NotFound(path);
    },
    isDirectory: () => false,
    cwd: "/home/dev/project",
  };
}
