/**
 * A worker that tries what a compromised review handler might try, and
 * reports which attempts the Deno permissions allowed.
 *
 * @module
 */
import { attempt } from "./probe_attempt.ts";

/** What the probe is told. */
export interface ProbeInput {
  certFile: string;
  keyFile: string;
  /** Another file in the same directory (e.g. the CA's key). */
  neighbour: string;
  host: string;
  port: number;
}

declare const self: {
  onmessage: ((event: MessageEvent<ProbeInput>) => void) | null;
  postMessage(message: Record<string, string>): void;
};

self.onmessage = async (event) => {
  const p = event.data;
  self.postMessage({
    readCert: await attempt(() => Deno.readTextFileSync(p.certFile)),
    readKey: await attempt(() => Deno.readTextFileSync(p.keyFile)),
    readNeighbour: await attempt(() => Deno.readTextFileSync(p.neighbour)),
    readPasswd: await attempt(() => Deno.readTextFileSync("/etc/passwd")),
    listDirectory: await attempt(() => [...Deno.readDirSync(p.certFile.replace(/\/[^/]+$/, ""))]),
    writeFile: await attempt(() => Deno.writeTextFileSync("/tmp/sidekernel-webhook-probe", "x")),
    listenOwnPort: await attempt(() => Deno.listen({ hostname: p.host, port: p.port }).close()),
    listenOtherHost: await attempt(() =>
      Deno.listen({ hostname: "0.0.0.0", port: p.port + 1 }).close()
    ),
    connectApiServer: await attempt(() => Deno.connect({ hostname: "127.0.0.2", port: 443 })),
    fetchOutside: await attempt(() => fetch("https://sidekernel-probe.invalid/")),
    runShell: await attempt(() => new Deno.Command("sh", { args: ["-c", "true"] }).outputSync()),
    readEnv: await attempt(() => Deno.env.get("HOME")),
    sysInfo: await attempt(() => Deno.hostname()),
  });
};
