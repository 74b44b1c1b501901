/**
 * A worker that tries what a compromised request handler might try, and
 * reports which attempts the Deno permissions allowed.
 *
 * @module
 */
declare const self: {
  onmessage: ((event: MessageEvent<{ workspace: string }>) => void) | null;
  postMessage(message: Record<string, string>): void;
};

async function attempt(fn: () => unknown): Promise<string> {
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

self.onmessage = async (event) => {
  const ws = event.data.workspace;
  self.postMessage({
    readPasswd: await attempt(() => Deno.readTextFileSync("/etc/passwd")),
    readWorkspace: await attempt(() => Deno.readDirSync(ws)),
    writeOutsideWorkspace: await attempt(() =>
      Deno.writeTextFileSync("/tmp/sidekernel-probe", "x")
    ),
    writeWorkspace: await attempt(() => Deno.writeTextFileSync(`${ws}/probe.txt`, "x")),
    connectArbitraryHost: await attempt(() => Deno.connect({ hostname: "10.1.2.3", port: 443 })),
    fetchArbitraryHost: await attempt(() => fetch("https://example.com/")),
    runShell: await attempt(() => new Deno.Command("sh", { args: ["-c", "true"] }).outputSync()),
    envSecret: await attempt(() => Deno.env.get("AWS_SECRET_ACCESS_KEY")),
  });
};
