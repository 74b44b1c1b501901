/**
 * A worker that tries what a compromised request handler might try, and
 * reports which attempts the Deno permissions allowed.
 *
 * @module
 */
import { attempt } from "./probe_attempt.ts";
declare const self: {
  onmessage: ((event: MessageEvent<{ workspace: string }>) => void) | null;
  postMessage(message: Record<string, string>): void;
};

self.onmessage = async (event) => {
  const ws = event.data.workspace;
  self.postMessage({
    readPasswd: await attempt(() => Deno.readTextFileSync("/etc/passwd")),
    readWorkspace: await attempt(() => Deno.readDirSync(ws)),
    writeOutsideWorkspace: await attempt(() =>
      Deno.writeTextFileSync("/tmp/sidekernel-probe", "x")
    ),
    writeWorkspace: await attempt(() => Deno.writeTextFileSync(`${ws}/probe.txt`, "x")),
    connectArbitraryHost: await attempt(() => Deno.connect({ hostname: "127.0.0.2", port: 443 })),
    fetchArbitraryHost: await attempt(() => fetch("https://sidekernel-probe.invalid/")),
    runShell: await attempt(() => new Deno.Command("sh", { args: ["-c", "true"] }).outputSync()),
    envSecret: await attempt(() => Deno.env.get("AWS_SECRET_ACCESS_KEY")),
  });
};
