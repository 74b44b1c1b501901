/**
 * The command line as a user meets it: exit codes and messages of the real
 * program, and how flags and environment variables combine.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../src/config/config.ts";
import { configSources } from "./support/config_sources.ts";
import { UsageError } from "../src/config/errors.ts";
import { ROOT, SERVE_ARGS, SIDEKERNEL_ARGS } from "./support/server.ts";

async function sidekernel(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task start runs the same command and permission set as the server tests", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)).tasks;
  const expected = SERVE_ARGS.map((a) => a.replace(`${ROOT}/`, "")).join(" ");
  assert.equal(tasks.start, `deno ${expected}`);
  assert.equal(tasks.sidekernel, `deno ${expected.replace(/ serve$/, "")}`);
});

Deno.test("sidekernel version prints the version and exits 0", async () => {
  const { code, stdout } = await sidekernel(["version"]);
  assert.equal(code, 0);
  assert.match(stdout, /^sidekernel \d+\.\d+\.\d+/);
});

Deno.test("sidekernel serve --help teaches every flag with its variable and examples", async () => {
  const { code, stdout } = await sidekernel(["serve", "--help"]);
  assert.equal(code, 0);
  for (const flag of ["--transport", "--workspace-path", "--max-output", "--auth-token-file"]) {
    assert.ok(stdout.includes(flag), flag);
  }
  assert.match(stdout, /SIDEKERNEL_WORKSPACE_PATH/);
  assert.match(stdout, /Examples:/);
});

const usageCases: [string[], RegExp][] = [
  [["--bogus"], /unknown flag "--bogus"/],
  [["--transport", "carrier-pigeon"], /--transport "carrier-pigeon" is not one of: http, stdio/],
  [["--port", "99999"], /--port "99999" is not a whole number from 0 to 65535/],
  [["--timeout", "soon"], /--timeout "soon"/],
  [["--executor", "docker"], /--executor "docker" is not one of: jupyter, local, subprocess/],
  [["--host", "0.0.0.0"], /--host "0.0.0.0" is not a loopback address.*--auth-token-file/],
  [["--auth-token-file", "/nonexistent/token"], /--auth-token-file "\/nonexistent\/token"/],
  [["--executor", "jupyter"], /--executor jupyter needs --jupyter-url/],
  [
    ["frobnicate"],
    /unknown command "frobnicate"; commands: serve, inject, webhook, doctor, version/,
  ],
];
for (const [args, message] of usageCases) {
  Deno.test(`sidekernel ${args.join(" ")} exits 2 and says why`, async () => {
    const { code, stderr } = await sidekernel(args);
    assert.equal(code, 2);
    assert.match(stderr, message);
  });
}

Deno.test("SIDEKERNEL_PORT with a bad value exits 2 naming the flag", async () => {
  const { code, stderr } = await sidekernel([], { SIDEKERNEL_PORT: "eighty" });
  assert.equal(code, 2);
  assert.match(stderr, /--port "eighty"/);
});

Deno.test("loadConfig() defaults: http on 127.0.0.1:8000, local python3 (pod scope), ./workspace", () => {
  const config = loadConfig([], configSources());
  assert.equal(config.transport, "http");
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8000);
  assert.deepEqual(config.executor, { kind: "local", python: "python3", kernelScope: "pod" });
  assert.equal(config.workspacePath, "/home/dev/project/workspace");
  assert.equal(config.timeoutSeconds, 120);
  assert.equal(config.maxOutput, 20000);
  assert.deepEqual(config.toolsets, ["python", "pods", "files"]);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.executor));
});

Deno.test("loadConfig() reads SIDEKERNEL_* variables and flags win over them", () => {
  const env = { SIDEKERNEL_PORT: "9000", SIDEKERNEL_TIMEOUT: "5", SIDEKERNEL_TOOLSETS: "python" };
  const config = loadConfig(["--port", "9100"], configSources(env));
  assert.equal(config.port, 9100);
  assert.equal(config.timeoutSeconds, 5);
  assert.deepEqual(config.toolsets, ["python"]);
});

Deno.test("loadConfig() picks jupyter when --jupyter-url is given, token from JUPYTER_TOKEN", () => {
  const config = loadConfig(
    ["--jupyter-url", "http://127.0.0.1:8888"],
    configSources({ JUPYTER_TOKEN: "t0k" }),
  );
  assert.equal(config.executor.kind, "jupyter");
  if (config.executor.kind === "jupyter") {
    assert.equal(config.executor.token, "t0k");
    assert.equal(config.executor.kernelScope, "pod");
  }
});

Deno.test("loadConfig() accepts a non-loopback host with a token file and reads the token", () => {
  const config = loadConfig(
    ["--host", "0.0.0.0", "--auth-token-file", "/run/token"],
    configSources({}, { "/run/token": "s3cret\n" }),
  );
  assert.equal(config.authToken, "s3cret");
});

Deno.test("loadConfig() throws UsageError naming the flag for a bad namespace and an empty token", () => {
  assert.throws(
    () => loadConfig(["--namespace", "Bad_NS"], configSources()),
    (e: unknown) => e instanceof UsageError && e.flag === "namespace",
  );
  assert.throws(
    () => loadConfig(["--auth-token-file", "/t"], configSources({}, { "/t": "  \n" })),
    (e: unknown) => e instanceof UsageError && /is empty/.test(e.message),
  );
});

Deno.test("loadConfig() limits one session to 8 executions, or to --max-executions when lower", () => {
  assert.equal(loadConfig([], configSources()).maxExecutionsPerSession, 8);
  assert.equal(loadConfig(["--max-executions", "3"], configSources()).maxExecutionsPerSession, 3);
});
