/**
 * `sidekernel inject` as a user meets it: golden files per kind, idempotence,
 * comments and other documents kept, invalid YAML and bad flags.
 *
 * Regenerate the expected files after an intended change with
 * `UPDATE_GOLDEN=1 deno test -P=test tests/inject_test.ts`, then review the diff.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { runInject } from "../src/inject/run.ts";
import { DEFAULT_IMAGE } from "../src/inject/options.ts";
import { ROOT, SIDEKERNEL_ARGS } from "./support/server.ts";

const GOLDEN = `${ROOT}/tests/golden/inject`;

/** Runs `inject` on `input` (given as stdin with `-f -`). */
async function inject(args: string[], input = "") {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInject(args, {
    stdin: () => Promise.resolve(input),
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const cases: Record<string, string[]> = {
  pod: [],
  deployment: [],
  statefulset: ["--workspace-volume", "data"],
  daemonset: [],
  job: [],
  cronjob: [],
  list: [],
  multi: [],
  unknown: [],
  options: [
    "--image",
    "registry.example.com/sidekernel:dev",
    "--port",
    "9000",
    "--jupyter-url",
    "http://localhost:8890/jupyter",
    "--workspace-volume",
    "scratch",
    "--auth-secret",
    "mcp-token",
    "--jupyter-secret",
    "nb-token",
    "--service-account",
    "agent-reader",
  ],
};

for (const [name, args] of Object.entries(cases)) {
  const flags = args.length ? ` ${args.join(" ")}` : "";
  Deno.test(`inject ${name}.in.yaml${flags} prints ${name}.out.yaml`, async () => {
    const input = await Deno.readTextFile(`${GOLDEN}/${name}.in.yaml`);
    const first = await inject(["-f", "-", ...args], input);
    assert.equal(first.code, 0, first.stderr);
    if (Deno.env.get("UPDATE_GOLDEN")) {
      await Deno.writeTextFile(`${GOLDEN}/${name}.out.yaml`, first.stdout);
    }
    assert.equal(first.stdout, await Deno.readTextFile(`${GOLDEN}/${name}.out.yaml`));
    const second = await inject(["-f", "-", ...args], first.stdout);
    assert.equal(second.code, 0);
    assert.equal(second.stdout, first.stdout, "a second run must change nothing");
  });
}

Deno.test("inject -f FILE reads the file, same as stdin", async () => {
  const fromFile = await inject(["-f", `${GOLDEN}/pod.in.yaml`]);
  assert.equal(fromFile.code, 0);
  assert.equal(fromFile.stdout, await Deno.readTextFile(`${GOLDEN}/pod.out.yaml`));
  assert.match(fromFile.stderr, /document 1 \(Pod "notebook"\): sidecar added/);
});

Deno.test("inject adds one sidecar per pod with the default image, args, probes and tokens", async () => {
  const { stdout } = await inject(["-f", "-"], await Deno.readTextFile(`${GOLDEN}/pod.in.yaml`));
  const pod = parse(stdout);
  const sidecars = pod.spec.containers.filter((c: { name: string }) => c.name === "sidekernel");
  assert.equal(sidecars.length, 1);
  const [c] = sidecars;
  assert.equal(c.image, DEFAULT_IMAGE);
  assert.deepEqual(c.args, [
    "serve",
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
    "--auth-token-file",
    "/var/run/secrets/sidekernel/token",
    "--jupyter-url",
    "http://127.0.0.1:8888",
    "--jupyter-token-file",
    "/var/run/secrets/jupyter/token",
    "--workspace-path",
    "/workspace",
  ]);
  assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "mcp" });
  assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "mcp" });
  assert.deepEqual(c.env.map((e: { name: string }) => e.name), ["POD_NAME", "POD_NAMESPACE"]);
  assert.equal(c.securityContext.runAsUser, 65532);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
  assert.equal(pod.spec.automountServiceAccountToken, false);
  // The service-account token reaches the sidecar only.
  const saPath = "/var/run/secrets/kubernetes.io/serviceaccount";
  for (const container of pod.spec.containers) {
    const mounts = (container.volumeMounts ?? []).map((m: { mountPath: string }) => m.mountPath);
    assert.equal(mounts.includes(saPath), container.name === "sidekernel", container.name);
  }
  const projected = pod.spec.volumes.find((v: { projected?: unknown }) => v.projected).projected;
  assert.deepEqual(
    projected.sources.map((s: Record<string, unknown>) => Object.keys(s)[0]),
    ["serviceAccountToken", "configMap", "downwardAPI"],
  );
});

Deno.test("inject keeps comments of the documents it changes", async () => {
  const input = await Deno.readTextFile(`${GOLDEN}/multi.in.yaml`);
  const { stdout } = await inject(["-f", "-"], input);
  for (const comment of ["# Three documents", "# Jupyter", "# a comment between documents"]) {
    assert.ok(stdout.includes(comment), comment);
  }
  // The untouched documents are byte for byte what they were.
  assert.ok(stdout.startsWith(input.slice(0, input.indexOf("---\napiVersion: apps/v1"))));
  assert.ok(stdout.endsWith(input.slice(input.lastIndexOf("---\napiVersion: v1\nkind: Config"))));
});

Deno.test("inject passes unknown kinds and empty input through untouched", async () => {
  const input = await Deno.readTextFile(`${GOLDEN}/unknown.in.yaml`);
  const r = await inject(["-f", "-"], input);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, input);
  assert.match(r.stderr, /no Pod, Deployment, StatefulSet, DaemonSet, Job or CronJob found/);
  assert.equal((await inject(["-f", "-"], "")).stdout, "");
});

Deno.test("inject explains what it kept: service account, automount, added workspace", async () => {
  const sts = await inject(
    ["-f", "-", "--workspace-volume", "data"],
    await Deno.readTextFile(`${GOLDEN}/statefulset.in.yaml`),
  );
  assert.match(sts.stderr, /kept serviceAccountName "my-agent": bind the sidekernel Role to it/);
  assert.match(sts.stderr, /set automountServiceAccountToken to false \(it was true\)/);
  const dep = await inject(["-f", "-"], await Deno.readTextFile(`${GOLDEN}/deployment.in.yaml`));
  assert.match(dep.stderr, /added an emptyDir volume "workspace"; mount it at \/workspace/);
});

const badYaml: [string, string, RegExp][] = [
  ["an unclosed flow sequence", "kind: Pod\nspec:\n  containers: [a, b\n", /document 1, line \d+/],
  [
    "a bad second document",
    "kind: Service\n---\nkind: Pod\nspec:\n  a: 1\n   b: 2\n",
    /document 2, line [56]:/,
  ],
  ["a duplicate key", "---\nkind: Pod\nkind: Job\n", /document 1, line 3: .*[Kk]ey/],
  [
    "a Deployment without a pod template",
    "kind: Service\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n",
    /document 2, line 3: Deployment "d" has no spec.template.spec/,
  ],
  [
    "a missing --workspace-volume",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n  volumes:\n  - name: a\n    emptyDir: {}\n",
    /document 1, line 7: Pod "p" has no volume named "nope" \(--workspace-volume\); its volumes: "a"/,
  ],
];
for (const [what, input, message] of badYaml) {
  Deno.test(`inject exits 1 naming the document and line for ${what}`, async () => {
    const args = what.includes("workspace-volume")
      ? ["-f", "-", "--workspace-volume", "nope"]
      : ["-f", "-"];
    const r = await inject(args, input);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "", "nothing is printed when the input is refused");
    assert.match(r.stderr, /^sidekernel inject: stdin: /);
    assert.match(r.stderr, message);
  });
}

const usage: [string[], RegExp][] = [
  [[], /-f FILE is required/],
  [["-f", "-", "--port", "http"], /--port "http" is not a whole number from 1 to 65535/],
  [["-f", "-", "--jupyter-url", "127.0.0.1:8888"], /--jupyter-url "127.0.0.1:8888"/],
  [["-f", "-", "--workspace-volume", "Big_Name"], /--workspace-volume "Big_Name"/],
  [["-f", "-", "--frobnicate"], /unknown flag "--frobnicate"/],
  [["pod.yaml"], /pass the file as -f pod.yaml/],
];
for (const [args, message] of usage) {
  Deno.test(`inject ${args.join(" ") || "(no flags)"} exits 2 naming the flag`, async () => {
    const r = await inject(args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
  });
}

Deno.test("inject -f on a missing file exits 1 naming it", async () => {
  const r = await inject(["-f", "/nonexistent/agent.yaml"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"\/nonexistent\/agent.yaml" does not exist/);
});

Deno.test("inject --help teaches with an example and exits 0", async () => {
  const r = await inject(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: sidekernel inject -f FILE\|-/);
  assert.match(r.stdout, /Examples:\n {2}sidekernel inject -f agent.yaml \| kubectl apply -f -/);
  for (const flag of ["--image", "--port", "--jupyter-url", "--workspace-volume"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("every golden output parses and still holds its other documents", async () => {
  for (const name of Object.keys(cases)) {
    const input = parseAllDocuments(await Deno.readTextFile(`${GOLDEN}/${name}.in.yaml`));
    const output = parseAllDocuments(await Deno.readTextFile(`${GOLDEN}/${name}.out.yaml`));
    assert.ok(Array.isArray(input) && Array.isArray(output));
    assert.equal(output.length, input.length, name);
    for (const doc of output) assert.deepEqual(doc.errors, [], name);
  }
});

async function sidekernel(args: string[], stdin = "") {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, ...args],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test({
  name: "sidekernel inject -f - as a process: YAML in, YAML out, 2 for a bad flag",
  fn: async () => {
    const input = await Deno.readTextFile(`${GOLDEN}/cronjob.in.yaml`);
    const r = await sidekernel(["inject", "-f", "-"], input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await Deno.readTextFile(`${GOLDEN}/cronjob.out.yaml`));
    const bad = await sidekernel(["inject", "-f", "-", "--port", "x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port "x"/);
    // A file outside the permission set is either read or refused with the pipe hint.
    const file = await sidekernel(["inject", "-f", "tests/golden/inject/pod.in.yaml"]);
    if (file.code === 0) {
      assert.equal(file.stdout, await Deno.readTextFile(`${GOLDEN}/pod.out.yaml`));
    } else {
      assert.equal(file.code, 1);
      assert.match(file.stderr, /pipe it instead: sidekernel inject -f - < /);
    }
  },
});
