/**
 * `sidekernel inject` as a user meets it: document handling (comments, other
 * documents, List, JSON, CRLF), the flags, the summary, and bad input — each a
 * clear message and nothing half-written.
 *
 * Regenerate the expected files after an intended change with
 * `UPDATE_GOLDEN=1 deno test -P=test tests/inject_test.ts`, then review the diff.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { GOLDEN, inject } from "./support/inject_golden.ts";
import { ROOT, SIDEKERNEL_ARGS } from "./support/server.ts";

/** Synthetic documents that exercise the document layer (no Jupyter detection). */
const named = ["--jupyter-container", "python", "--jupyter-token-secret", "none"];
const cases: Record<string, string[]> = {
  daemonset: named,
  cronjob: named,
  list: named,
  multi: ["--jupyter-token-secret", "jupyter-token/token"],
  unknown: [],
  options: [
    "--jupyter-container",
    "python",
    "--image",
    "registry.example.com/sidekernel:dev",
    "--sidecar-port",
    "9000",
    "--jupyter-url",
    "http://localhost:8890/jupyter/",
    "--jupyter-token-secret",
    "nb-token/token",
    "--workspace-path",
    "/scratch",
    "--auth-secret",
    "mcp-token",
    "--service-account",
    "agent-reader",
    "--namespace",
    "team-a,team-b",
    "--sidecar-mode",
    "container",
    "--kernel-token",
    "keep",
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

Deno.test("inject keeps comments and the other documents byte for byte", async () => {
  const input = await Deno.readTextFile(`${GOLDEN}/multi.in.yaml`);
  const { stdout } = await inject(["-f", "-", ...cases.multi], input);
  const [service, , configMap] = input.split(/^---$/m);
  assert.ok(stdout.startsWith(service), "the Service before the Deployment is untouched");
  assert.ok(stdout.endsWith(configMap), "the ConfigMap after it is untouched");
  assert.match(stdout, /- name: python +# Jupyter/, "a comment inside the changed document");
  assert.match(stdout, /# a comment between documents/);
});

Deno.test("inject: the options case applies every flag", async () => {
  const out = parse(await Deno.readTextFile(`${GOLDEN}/options.out.yaml`));
  const sidecar = out.spec.containers.find((c: { name: string }) => c.name === "sidekernel");
  assert.ok(sidecar, "--sidecar-mode container: a regular container");
  assert.equal(sidecar.image, "registry.example.com/sidekernel:dev");
  assert.equal(sidecar.restartPolicy, undefined);
  assert.deepEqual(sidecar.ports, [{ name: "mcp", containerPort: 9000, protocol: "TCP" }]);
  const args: string[] = sidecar.args;
  const after = (flag: string) => args.filter((_, i) => args[i - 1] === flag);
  assert.deepEqual(after("--jupyter-url"), ["http://localhost:8890/jupyter/"]);
  assert.deepEqual(after("--workspace-path"), ["/scratch"]);
  assert.deepEqual(after("--namespace"), ["team-a", "team-b"]);
  assert.equal(out.spec.serviceAccountName, "agent-reader");
  const secrets = out.spec.volumes.map((v: { secret?: { secretName: string } }) =>
    v.secret?.secretName
  );
  assert.ok(secrets.includes("mcp-token") && secrets.includes("nb-token"));
  assert.equal(out.spec.automountServiceAccountToken, undefined, "--kernel-token keep");
});

Deno.test("inject: JSON in gives JSON out, with the input's indentation", async () => {
  const yaml = parse(await Deno.readTextFile(`${GOLDEN}/daemonset.in.yaml`));
  for (const indent of [2, 4, "\t"]) {
    const input = JSON.stringify(yaml, null, indent) + "\n";
    const r = await inject(["-f", "-", ...named], input);
    assert.equal(r.code, 0, r.stderr);
    const parsed = JSON.parse(r.stdout);
    assert.equal(r.stdout, JSON.stringify(parsed, null, indent) + "\n");
    assert.ok(
      parsed.spec.template.spec.initContainers.some((c: { name: string }) =>
        c.name === "sidekernel"
      ),
    );
  }
  const compact = await inject(["-f", "-", ...named], JSON.stringify(yaml));
  assert.ok(!compact.stdout.includes("\n"), "one-line JSON stays one line");
});

Deno.test("inject: CRLF input keeps CRLF, changed and unchanged documents alike", async () => {
  const input = (await Deno.readTextFile(`${GOLDEN}/multi.in.yaml`)).replaceAll("\n", "\r\n");
  const r = await inject(["-f", "-", ...cases.multi], input);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/[^\r]\n/.test(r.stdout), "every line ends in CRLF");
  const lf = await inject(["-f", "-", ...cases.multi], input.replaceAll("\r\n", "\n"));
  assert.equal(r.stdout, lf.stdout.replaceAll("\n", "\r\n"));
});

Deno.test("inject: the summary counts pods injected, skipped (and why) and unchanged", async () => {
  const docs = [
    await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.in.yaml`),
    await Deno.readTextFile(`${GOLDEN}/command-executor.pod.in.yaml`),
    await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.out.yaml`),
  ].join("\n---\n");
  const r = await inject(["-f", "-"], docs);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 pod injected, 1 skipped \(no-jupyter: 1\), 1 unchanged/);
  assert.match(r.stderr, /document 2, Pod "test-pod": skipped \(no-jupyter\): no container runs/);
  assert.match(r.stderr, /kind: RoleBinding[\s\S]*name: default/, "the Role for the kept account");
});

const badInput: [string, string, RegExp][] = [
  ["empty input", "", /the input is empty/],
  ["only whitespace", "\n  \n", /the input is empty/],
  ["an unclosed flow sequence", "kind: Pod\nspec:\n  containers: [a, b\n", /document 1, line \d+/],
  [
    "a bad second document",
    "kind: Service\n---\nkind: Pod\nspec:\n  a: 1\n   b: 2\n",
    /document 2, line [56]:/,
  ],
  ["a duplicate key", "---\nkind: Pod\nkind: Job\n", /document 1, line 3: .*[Kk]ey/],
  ["broken JSON", '{"kind": "Pod", "spec": {', /invalid JSON/],
  [
    "a Deployment without a pod template",
    "kind: Service\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n",
    /document 2: Deployment "d" has no spec.template.spec.containers list/,
  ],
];
for (const [what, input, message] of badInput) {
  Deno.test(`inject exits 1 for ${what}, naming what is wrong, printing nothing`, async () => {
    const r = await inject(["-f", "-"], input);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "", "nothing is printed when the input is refused");
    assert.match(r.stderr, /^sidekernel inject: stdin: /);
    assert.match(r.stderr, message);
  });
}

Deno.test("inject: a Secret alone is printed as it is, exit 0, and stderr says no pod was found", async () => {
  const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: jupyter-token\n" +
    "stringData:\n  token: s3cret\n";
  const r = await inject(["-f", "-"], secret);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, secret);
  assert.match(
    r.stderr,
    /no Pod, Deployment.*found \(document 1: Secret "jupyter-token" holds no pod\)/,
  );
});

const usage: [string[], RegExp][] = [
  [[], /-f FILE is required/],
  [["-f", "-", "--sidecar-port", "http"], /--sidecar-port "http" is not a whole number/],
  [["-f", "-", "--jupyter-url", "127.0.0.1:8888"], /--jupyter-url "127.0.0.1:8888"/],
  [["-f", "-", "--jupyter-token-secret", "tok"], /--jupyter-token-secret "tok" is not NAME\/KEY/],
  [["-f", "-", "--workspace-path", "work"], /--workspace-path "work" is not an absolute path/],
  [["-f", "-", "--sidecar-mode", "sidecar"], /--sidecar-mode "sidecar" is not one of: native/],
  [["-f", "-", "--kernel-token", "drop"], /--kernel-token "drop" is not one of: remove, keep/],
  [["-f", "-", "--namespace", "Team_A"], /--namespace "Team_A" is not a namespace name/],
  [["-f", "-", "--jupyter-container", "Big_Name"], /--jupyter-container "Big_Name"/],
  [["-f", "-", "--frobnicate"], /unknown flag "--frobnicate"/],
  [["-f", "-", "--port", "9000"], /unknown flag "--port"/],
  [["pod.yaml"], /pass a file as -f pod.yaml/],
];
for (const [args, message] of usage) {
  Deno.test(`inject ${args.join(" ") || "(no flags)"} exits 2 naming the flag`, async () => {
    const r = await inject(args);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, message);
  });
}

Deno.test("inject -f on a missing file exits 1 naming it", async () => {
  const r = await inject(["-f", "/nonexistent/agent.yaml"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"\/nonexistent\/agent.yaml" does not exist/);
});

Deno.test("inject --help teaches every flag, every annotation and an example", async () => {
  const r = await inject(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: sidekernel inject -f FILE\|-/);
  assert.match(r.stdout, /Examples:\n {2}sidekernel inject -f notebook.yaml \| kubectl apply -f -/);
  const { INJECT_FLAGS } = await import("../src/inject/flags.ts");
  for (const flag of Object.keys(INJECT_FLAGS)) assert.ok(r.stdout.includes(`--${flag}`), flag);
  const { ANNOTATIONS, PREFIX } = await import("../src/inject/annotations.ts");
  for (const key of Object.keys(ANNOTATIONS)) assert.ok(r.stdout.includes(PREFIX + key), key);
});

Deno.test("every golden output parses and has as many documents as its input", async () => {
  for (const entry of Deno.readDirSync(GOLDEN)) {
    if (!entry.name.includes(".out.")) continue;
    const output = await Deno.readTextFile(`${GOLDEN}/${entry.name}`);
    const input = await Deno.readTextFile(
      `${GOLDEN}/${entry.name.replace(".out.", ".in.").replace("-token.pod", ".pod")}`,
    );
    if (entry.name.endsWith(".json")) {
      assert.equal(typeof JSON.parse(output), "object");
      continue;
    }
    const docs = (t: string) => parseAllDocuments(t) as ReturnType<typeof parseAllDocuments>;
    const out = docs(output);
    assert.ok(Array.isArray(out));
    assert.equal(out.length, (docs(input) as unknown[]).length, entry.name);
    for (const doc of out) assert.deepEqual(doc.errors, [], entry.name);
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
    const input = await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.in.yaml`);
    const r = await sidekernel(["inject", "-f", "-"], input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.out.yaml`));
    const bad = await sidekernel(["inject", "-f", "-", "--sidecar-port", "x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sidecar-port "x"/);
    const file = await sidekernel([
      "inject",
      "-f",
      "tests/golden/inject/odh-notebook.statefulset.in.yaml",
    ]);
    if (file.code === 0) assert.equal(file.stdout, r.stdout);
    else {
      assert.equal(file.code, 1);
      assert.match(file.stderr, /pipe it instead: sidekernel inject -f - < /);
    }
  },
});
