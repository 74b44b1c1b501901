/**
 * Least privilege: the serving worker gets only what the config needs, and
 * under those permissions a request handler cannot read /etc/passwd, write
 * outside the workspace, reach an arbitrary host or start a shell.
 */
import assert from "node:assert/strict";
import { type ConfigSources, loadConfig } from "../src/config/config.ts";
import { programEnvNames } from "../src/config/flags.ts";
import { servePermissions } from "../src/server/permissions.ts";
import { makeWorkspace, ROOT, startServer } from "./support/server.ts";

const sources = (cwd: string): ConfigSources => ({
  env: () => undefined,
  readTextFile: () => "",
  isDirectory: () => false,
  cwd,
});

Deno.test("servePermissions() for the default config: the listen address, the workspace, python3", () => {
  const config = loadConfig(["--workspace-path", "/srv/ws"], sources("/"));
  const p = servePermissions(config, { env: ["PATH"] });
  assert.deepEqual(p.net, ["127.0.0.1:8000"]);
  assert.deepEqual(p.read, ["/srv/ws"]);
  assert.deepEqual(p.write, ["/srv/ws"]);
  assert.deepEqual(p.run, ["python3"]);
  assert.equal(p.sys, false);
  assert.equal(p.ffi, false);
});

Deno.test("servePermissions() for a pod: Jupyter and the API server, no interpreter", () => {
  const config = loadConfig(
    ["--jupyter-url", "http://127.0.0.1:8888", "--workspace-path", "/workspace"],
    sources("/"),
  );
  const p = servePermissions(config, {
    env: [],
    kube: {
      net: ["10.96.0.1:443"],
      read: ["/var/run/secrets/kubernetes.io/serviceaccount"],
      run: [],
    },
  });
  assert.deepEqual(p.net, ["127.0.0.1:8000", "127.0.0.1:8888", "10.96.0.1:443"]);
  assert.equal(p.run, false);
  assert.deepEqual(p.sys, ["uid"]);
});

Deno.test("under the computed permissions, a handler cannot read /etc/passwd or reach other hosts", async () => {
  const ws = makeWorkspace();
  try {
    const config = loadConfig(["--workspace-path", ws.path], sources(ROOT));
    const permissions = servePermissions(config, { env: programEnvNames() });
    const worker = new Worker(new URL("./support/permission_probe.ts", import.meta.url), {
      type: "module",
      deno: { permissions },
    } as WorkerOptions);
    const result = await new Promise<Record<string, string>>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({ workspace: ws.path });
    });
    worker.terminate();
    assert.deepEqual(result, {
      readPasswd: "denied",
      readWorkspace: "allowed",
      writeOutsideWorkspace: "denied",
      writeWorkspace: "allowed",
      connectArbitraryHost: "denied",
      fetchArbitraryHost: "denied",
      runShell: "denied",
      envSecret: "denied",
    });
  } finally {
    ws.cleanup();
  }
});

Deno.test("the server process logs and uses exactly the computed permissions", async () => {
  const ws = makeWorkspace();
  const server = await startServer([], { workspace: ws.path });
  try {
    const line = server.logs.find((l) => l.includes('"serving worker permissions"'));
    assert.ok(line, "permissions are logged at start-up");
    const logged = JSON.parse(line).permissions;
    assert.deepEqual(logged.read, [ws.path]);
    assert.deepEqual(logged.write, [ws.path]);
    // The interpreter is resolved once (past any pyenv/asdf shim) and only it may run.
    assert.equal(logged.run.length, 1);
    assert.match(logged.run[0], /^\/.*python3?[.\d]*$/);
    assert.equal(logged.net.length, 1);
    assert.match(logged.net[0], /^127\.0\.0\.1(:0)?$/);
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("deno.json's server set reads exactly the variables sidekernel reads", () => {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`));
  assert.deepEqual([...config.permissions.server.env].sort(), programEnvNames().sort());
});
