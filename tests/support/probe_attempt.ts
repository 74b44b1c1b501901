/**
 * The one step of the permission probes (tests/support/permission_probe.ts,
 * webhook_probe.ts): try something and say whether Deno's permissions let it.
 *
 * @module
 */

/**
 * Runs `fn` and names the outcome: `"allowed"`, `"denied"` (a permission
 * refusal), or `"failed: <error>"` (allowed, but it went wrong otherwise).
 */
export async function attempt(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "allowed";
  } catch (error) {
    return error instanceof Deno.errors.NotCapable ||
        (error instanceof TypeError &&
          String(error.cause ?? error.message).includes("NotCapable")) ||
        /Requires .* access/.test(String(error))
      ? "denied"
      : `failed: ${error instanceof Error ? error.name : String(error)}`;
  }
}
