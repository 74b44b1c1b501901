/**
 * `sidekernel inject` on real manifests (tests/golden/inject/SOURCES.md): the
 * output is byte-for-byte the checked-in file, and — asserted separately — the
 * sidecar shares Jupyter's volume, reaches Jupyter at the URL, base path and
 * token the pod uses, is a native sidecar (so Jobs complete), clashes with no
 * port, leaves the kernel's container without an API token, and a second run
 * changes nothing.
 *
 * Regenerate the expected files after an intended change with
 * `UPDATE_GOLDEN=1 deno test -P=test tests/inject_golden_test.ts`, then review the diff.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import {
  type Expected,
  GOLDEN,
  GOLDEN_CASES,
  type GoldenCase,
  inject,
  outputFile,
} from "./support/inject_golden.ts";

type Obj = Record<string, unknown>;
type Container = {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number }[];
  restartPolicy?: string;
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  volumes?: (Obj & { name: string })[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  serviceAccount?: string;
};

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The pod specs of every document of `text` (YAML or JSON). */
function podSpecs(text: string): PodSpec[] {
  const out: PodSpec[] = [];
  const visit = (o: Obj | null) => {
    if (!o || typeof o !== "object") return;
    const kind = o.kind as string;
    const spec = o.spec as Obj | undefined;
    if (kind === "Pod") out.push(spec as unknown as PodSpec);
    else if (kind === "CronJob") {
      visit({ kind: "Job", spec: (spec?.jobTemplate as Obj)?.spec });
    } else if (spec?.template) out.push((spec.template as Obj).spec as unknown as PodSpec);
  };
  for (const doc of parseAllDocuments(text)) {
    if (!Array.isArray(doc)) visit(doc.toJS() as Obj);
  }
  return out;
}

const arg = (c: Container, flag: string) => {
  const i = (c.args ?? []).indexOf(flag);
  return i < 0 ? undefined : c.args?.[i + 1];
};

for (const c of GOLDEN_CASES) {
  const flags = c.args.length ? ` ${c.args.join(" ")}` : "";
  const injected = !("skipped" in c.expect);
  Deno.test(`inject ${c.input}${flags} ${injected ? `prints ${c.name}.out` : "skips it"}`, async () => {
    const input = await Deno.readTextFile(`${GOLDEN}/${c.input}`);
    const first = await inject(["-f", "-", ...c.args], input);
    assert.equal(first.code, 0, first.stderr);
    if (!injected) {
      assert.equal(first.stdout, input, "a skipped document is printed byte for byte");
      const reason = (c.expect as { skipped: string }).skipped;
      assert.match(first.stderr, new RegExp(`skipped \\(${reason}\\): .+`));
      assert.match(first.stderr, /0 pods injected, 1 skipped/);
      return;
    }
    if (Deno.env.get("UPDATE_GOLDEN")) await Deno.writeTextFile(outputFile(c), first.stdout);
    assert.equal(first.stdout, await Deno.readTextFile(outputFile(c)));
    assert.match(first.stderr, /1 pod injected, 0 skipped, 0 unchanged/);
    const second = await inject(["-f", "-", ...c.args], first.stdout);
    assert.equal(second.code, 0);
    assert.equal(second.stdout, first.stdout, "a second run must change nothing");
    assert.match(second.stderr, /unchanged \(already-injected\)/);
  });

  if (!injected) continue;
  Deno.test(`inject ${c.name}: the sidecar's URL, token, volume, port and credentials`, async () => {
    const input = await Deno.readTextFile(`${GOLDEN}/${c.input}`);
    const expect = c.expect as Expected;
    const [before] = podSpecs(input);
    const [after] = podSpecs(await Deno.readTextFile(outputFile(c)));
    assertSidecar(c, expect, before, after);
  });
}

function assertSidecar(c: GoldenCase, expect: Expected, before: PodSpec, after: PodSpec): void {
  const init = after.initContainers ?? [];
  const sidecar = init.find((x) => x.name === "sidekernel");
  assert.ok(sidecar, `${c.name}: the sidecar is an init container`);
  assert.equal(sidecar.restartPolicy, "Always", "native sidecar: starts first, Jobs complete");
  assert.equal(after.containers.length, before.containers.length, "no regular container added");

  assert.equal(arg(sidecar, "--jupyter-url"), expect.url);
  if (expect.token === "none") {
    assert.equal(arg(sidecar, "--jupyter-token-file"), undefined);
    assert.ok(!(sidecar.env ?? []).some((e) => e.name === "SIDEKERNEL_JUPYTER_TOKEN"));
  } else if ("literal" in expect.token) {
    const env = (sidecar.env ?? []).find((e) => e.name === "SIDEKERNEL_JUPYTER_TOKEN");
    assert.equal(env?.value, expect.token.literal, "the literal token the pod already holds");
  } else {
    assert.equal(arg(sidecar, "--jupyter-token-file"), "/var/run/secrets/jupyter/token");
    const volume = after.volumes?.find((v) => v.name === "sidekernel-jupyter-token") as {
      secret?: { secretName: string; items: { key: string }[] };
    };
    assert.equal(volume?.secret?.secretName, expect.token.secret, "the same Secret");
    assert.equal(volume?.secret?.items[0].key, expect.token.key, "the same key");
  }

  assert.equal(arg(sidecar, "--workspace-path"), expect.workspace);
  const jupyter = [...after.containers, ...init].find((x) => x.name === expect.jupyter);
  assert.ok(jupyter, `Jupyter container "${expect.jupyter}"`);
  const holds = (x: Container) =>
    (x.volumeMounts ?? []).find((m) =>
      m.name === expect.volume &&
      (expect.workspace === m.mountPath || expect.workspace.startsWith(`${m.mountPath}/`))
    );
  const theirs = holds(jupyter);
  const ours = holds(sidecar);
  assert.ok(theirs, `Jupyter mounts "${expect.volume}" over ${expect.workspace}`);
  assert.deepEqual(
    { name: ours?.name, mountPath: ours?.mountPath, subPath: ours?.subPath },
    { name: theirs.name, mountPath: theirs.mountPath, subPath: theirs.subPath },
    "the sidecar mounts the same volume at the same path",
  );

  const port = Number(arg(sidecar, "--port"));
  const others = [...after.containers, ...init.filter((x) => x !== sidecar)];
  const used = others.flatMap((x) => (x.ports ?? []).map((p) => p.containerPort));
  assert.ok(!used.includes(port), `sidecar port ${port} is free (in use: ${used.join(", ")})`);
  assert.ok(!new URL(expect.url).port || Number(new URL(expect.url).port) !== port);

  const mountsToken = (x: Container) => (x.volumeMounts ?? []).some((m) => m.mountPath === SA_DIR);
  assert.ok(!mountsToken(jupyter), "the kernel's container holds no API token");
  assert.equal(after.automountServiceAccountToken, false);
  assert.ok(mountsToken(sidecar), "the sidecar has its own token");
  const account = (s: PodSpec) => s.serviceAccountName ?? s.serviceAccount ?? "default";
  assert.equal(account(after), account(before), "the pod keeps its ServiceAccount");
  for (const x of [...before.containers, ...(before.initContainers ?? [])]) {
    if (x.name === expect.jupyter) continue;
    const now = others.find((o) => o.name === x.name);
    const had = before.automountServiceAccountToken !== false || mountsToken(x);
    assert.equal(now && mountsToken(now), had, `"${x.name}" keeps exactly the token it had`);
  }
}

Deno.test("inject: a CronJob template with a %PLACEHOLDER% image is invalid YAML: exit 1, nothing printed", async () => {
  const input = await Deno.readTextFile(`${GOLDEN}/data-pipeline.cronjob.in.yaml`);
  const r = await inject(["-f", "-"], input);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /stdin: document 1, line 21: .*directive indicator/);
});
