/**
 * Least privilege of `sidekernel webhook`: its worker may listen on its port
 * and read its two certificate files, and under those permissions the code
 * that parses reviews cannot read other files, write, reach the API server or
 * any other host, start a process or read the environment.
 */
import assert from "node:assert/strict";
import { webhookPermissions } from "../src/webhook/permissions.ts";
import { createTestCa } from "./support/webhook_certs.ts";

Deno.test("webhookPermissions(): the listen address and the two files, nothing else", () => {
  const p = webhookPermissions({
    host: "0.0.0.0",
    port: 8443,
    certFile: "/tls/tls.crt",
    keyFile: "/tls/tls.key",
  });
  assert.deepEqual(p, {
    net: ["0.0.0.0:8443"],
    read: ["/tls/tls.crt", "/tls/tls.key"],
    write: false,
    run: false,
    env: false,
    sys: false,
    ffi: false,
    import: false,
  });
  assert.deepEqual(
    webhookPermissions({ ...p, host: "::", port: 8443, certFile: "/a", keyFile: "/b" }).net,
    [
      "[::]:8443",
    ],
  );
});

Deno.test("under webhookPermissions(), a review handler reads only its certificate files and listens only on its port", async () => {
  const ca = await createTestCa();
  try {
    const { certFile, keyFile } = await ca.issue("probe");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const permissions = webhookPermissions({ host: "127.0.0.1", port, certFile, keyFile });
    const worker = new Worker(new URL("./support/webhook_probe.ts", import.meta.url), {
      type: "module",
      deno: { permissions },
    } as WorkerOptions);
    const result = await new Promise<Record<string, string>>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({
        certFile,
        keyFile,
        neighbour: `${ca.dir}/ca.key`,
        host: "127.0.0.1",
        port,
      });
    });
    worker.terminate();
    assert.deepEqual(result, {
      readCert: "allowed",
      readKey: "allowed",
      readNeighbour: "denied",
      readPasswd: "denied",
      listDirectory: "denied",
      writeFile: "denied",
      listenOwnPort: "allowed",
      listenOtherHost: "denied",
      connectApiServer: "denied",
      fetchOutside: "denied",
      runShell: "denied",
      readEnv: "denied",
      sysInfo: "denied",
    });
  } finally {
    await ca.cleanup();
  }
});
