/**
 * The manifests in deploy/: they parse, the example is exactly what `inject`
 * prints, only the sidecar holds tokens, and the Role grants what the pod
 * tools use — derived from the façade's real requests — and nothing else.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { accessName, REQUIRED_ACCESS } from "../src/k8s/access_review.ts";
import { createKubeClient, type KubeClient } from "../src/k8s/client.ts";
import { resolveClusterConfig } from "../src/k8s/config.ts";
import { FakeKube } from "./support/fake_kube.ts";
import { scenarioNamespace } from "./support/fake_kube_scenarios.ts";
import { ROOT } from "./support/server.ts";
import { runInject } from "../src/inject/run.ts";

const DEPLOY = `${ROOT}/deploy`;
const MANIFESTS = [
  "base/kustomization.yaml",
  "base/serviceaccount.yaml",
  "base/role.yaml",
  "base/rolebinding.yaml",
  "example/kustomization.yaml",
  "example/agent-without-sidecar.yaml",
  "example/agent.yaml",
];

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

async function inject(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInject(args, {
    stdin: () => Promise.resolve(""),
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const read = (path: string) => Deno.readTextFile(`${DEPLOY}/${path}`);

Deno.test("every manifest in deploy/ parses, and kustomizations list files that exist", async () => {
  for (const path of MANIFESTS) {
    const docs = parseAllDocuments(await read(path));
    assert.ok(Array.isArray(docs), path);
    for (const doc of docs) assert.deepEqual(doc.errors, [], path);
  }
  for (const dir of ["base", "example"]) {
    const k = parse(await read(`${dir}/kustomization.yaml`));
    for (const resource of k.resources) {
      const stat = await Deno.stat(`${DEPLOY}/${dir}/${resource}`);
      assert.ok(stat.isFile || stat.isDirectory, resource);
    }
  }
});

Deno.test("deploy/example/agent.yaml is exactly what inject prints for agent-without-sidecar.yaml", async () => {
  const r = await inject(["-f", `${DEPLOY}/example/agent-without-sidecar.yaml`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await read("example/agent.yaml"));
  const again = await inject(["-f", `${DEPLOY}/example/agent.yaml`]);
  assert.equal(again.stdout, await read("example/agent.yaml"));
});

Deno.test("the example pod: Jupyter on loopback, shared workspace, tokens only in the sidecar", async () => {
  const deployment = parse(await read("example/agent.yaml"));
  const pod = deployment.spec.template.spec;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.serviceAccountName, "sidekernel");
  const [python] = pod.containers;
  const [sidecar] = pod.initContainers;
  assert.equal(pod.containers.length, 1);
  assert.equal(sidecar.name, "sidekernel");
  assert.equal(sidecar.restartPolicy, "Always", "a native sidecar");
  assert.match(python.image, /^quay\.io\/jupyter\//);
  assert.ok(python.args.includes("--ServerApp.ip=127.0.0.1"));
  assert.ok(python.args.includes("--ServerApp.port=8888"));
  assert.ok(python.args.includes("--ServerApp.root_dir=/workspace"));
  assert.deepEqual(python.env[0].valueFrom.secretKeyRef, { name: "jupyter-token", key: "token" });
  const workspace = pod.volumes.find((v: { name: string }) => v.name === "workspace");
  assert.deepEqual(workspace.emptyDir, {});
  const mounts = (c: { volumeMounts?: { name: string; mountPath: string }[] }) =>
    (c.volumeMounts ?? []).map((m) => m.mountPath);
  assert.deepEqual(mounts(python), ["/workspace"]);
  assert.ok(mounts(sidecar).includes("/workspace"));
  assert.ok(mounts(sidecar).includes("/var/run/secrets/kubernetes.io/serviceaccount"));
  assert.ok(mounts(sidecar).includes("/var/run/secrets/sidekernel"));
  assert.ok(mounts(sidecar).includes("/var/run/secrets/jupyter"));
  const after = (flag: string) => sidecar.args[sidecar.args.indexOf(flag) + 1];
  assert.equal(after("--jupyter-url"), "http://127.0.0.1:8888/");
  assert.equal(after("--workspace-path"), "/workspace");
  const token = pod.volumes.find((v: { name: string }) => v.name === "sidekernel-jupyter-token");
  assert.equal(token.secret.secretName, "jupyter-token", "the Secret Jupyter reads, mounted");
  assert.deepEqual(
    sidecar.env.map((e: { valueFrom: { fieldRef: { fieldPath: string } } }) =>
      e.valueFrom.fieldRef.fieldPath
    ),
    ["metadata.name", "metadata.namespace"],
  );
  const base = parse(await read("base/serviceaccount.yaml"));
  assert.equal(base.metadata.name, pod.serviceAccountName);
  assert.equal(base.automountServiceAccountToken, false);
});

Deno.test("the RoleBinding binds the Role to the ServiceAccount of the base", async () => {
  const binding = parse(await read("base/rolebinding.yaml"));
  const role = parse(await read("base/role.yaml"));
  const sa = parse(await read("base/serviceaccount.yaml"));
  assert.equal(role.kind, "Role", "a namespaced Role, never a ClusterRole");
  assert.deepEqual(binding.roleRef, {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "Role",
    name: role.metadata.name,
  });
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name }]);
});

/** Every (verb, name) pair a Role grants, e.g. `get pods/log`. */
function granted(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        for (const v of r.verbs) out.add(`${v} ${g ? `${res}.${g}` : res}`);
      }
    }
  }
  return out;
}

Deno.test("the Role grants every right the tools need, read verbs only, on those resources only", async () => {
  const rules: Rule[] = parse(await read("base/role.yaml")).rules;
  const grants = granted(rules);
  for (const need of REQUIRED_ACCESS) {
    assert.ok(grants.has(`${need.verb} ${accessName(need)}`), `${need.verb} ${accessName(need)}`);
  }
  const used = new Set(REQUIRED_ACCESS.map(accessName));
  for (const grant of grants) {
    const [verb, name] = grant.split(" ");
    assert.ok(["get", "list", "watch"].includes(verb), `"${grant}" is not a read verb`);
    assert.ok(used.has(name), `"${grant}": no tool reads ${name}`);
    if (verb === "watch") assert.ok(["pods", "events"].includes(name), grant);
  }
});

Deno.test("REQUIRED_ACCESS is exactly what the k8s façade requests, method by method", async () => {
  const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
  const dir = await Deno.makeTempDir({ prefix: "deploy-test-" });
  kube.addUser("t", "system:serviceaccount:team-a:sidekernel", ["team-a"]);
  const resolved = await resolveClusterConfig({
    kubeconfigPath: await kube.writeKubeconfig(dir, "t", { namespace: "team-a" }),
    serviceAccountDir: `${dir}/no-sa`,
  });
  assert.equal(resolved.kind, "ready");
  if (resolved.kind !== "ready") return;
  const client = createKubeClient(resolved.config);
  const pod = scenarioNamespace("team-a").pods[0].metadata.name;
  // One call per façade method: a new method fails to compile here until it is listed.
  const calls: Record<Exclude<keyof KubeClient, "server" | "close">, () => Promise<unknown>> = {
    listPods: () => client.listPods("team-a"),
    getPod: () => client.getPod("team-a", pod),
    readLog: () => client.readLog("team-a", pod),
    listPodMetrics: () => client.listPodMetrics("team-a"),
    getPodMetrics: () => client.getPodMetrics("team-a", pod),
    listEvents: () => client.listEvents("team-a"),
  };
  try {
    for (const call of Object.values(calls)) await call().catch(() => {});
    const seen = new Set(kube.requests.map((r) => {
      assert.equal(r.method, "GET");
      const core = r.path.match(/^\/api\/v1\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?(\/[^/]+)?$/);
      const metrics = r.path.match(
        /^\/apis\/metrics\.k8s\.io\/[^/]+\/namespaces\/[^/]+\/pods(\/.+)?$/,
      );
      if (core) return `${core[2] ? "get" : "list"} ${core[1]}${core[3] ?? ""}`;
      if (metrics) return `${metrics[1] ? "get" : "list"} pods.metrics.k8s.io`;
      throw new Error(`unexpected request ${r.path}`);
    }));
    const needed = new Set(REQUIRED_ACCESS.map((n) => `${n.verb} ${accessName(n)}`));
    assert.deepEqual([...seen].sort(), [...needed].sort());
  } finally {
    client.close();
    await kube.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workflows parse; CI and release run deno task compile, the release pushes both arches", async () => {
  const ci = parse(await Deno.readTextFile(`${ROOT}/.github/workflows/ci.yml`));
  const release = parse(await Deno.readTextFile(`${ROOT}/.github/workflows/release.yml`));
  const runs = (wf: { jobs: Record<string, { steps: { run?: string }[] }> }) =>
    Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
  for (const cmd of ["deno fmt --check", "deno lint", "deno task check", "deno task test"]) {
    assert.ok(runs(ci).includes(cmd), cmd);
  }
  assert.ok(runs(ci).includes("deno task compile"));
  assert.ok(runs(release).includes("deno task compile ${{ matrix.target }}"));
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks;
  assert.equal(tasks.compile, "sh scripts/compile.sh");
  const script = await Deno.readTextFile(`${ROOT}/scripts/compile.sh`);
  assert.deepEqual(
    release.jobs.compile.strategy.matrix.target,
    /ALL_TARGETS="([^"]+)"/.exec(script)![1].split(" "),
  );
  // The binary gets the permission set and flags of `deno task start` (less `-q`, which only
  // quiets the Deno CLI's own notices and has no meaning for a compiled binary).
  const runFlags = /^deno run (?:-q )?(.*) main\.ts serve$/.exec(tasks.start)![1];
  assert.ok(
    script.includes(`deno compile ${runFlags} $include --target "$target"`),
    `compile.sh uses "${runFlags}"`,
  );
  // It compiles the bundle of scripts/bundle.sh (tests/bundle_test.ts runs that bundle).
  assert.ok(script.includes('sh scripts/bundle.sh "$BUNDLE"'));
  assert.ok(script.includes('-o "dist/sidekernel-$target" "$BUNDLE/main.js"'));
  const push = release.jobs.image.steps.find((s: { uses?: string }) =>
    s.uses?.startsWith("docker/build-push-action")
  );
  assert.equal(push.with.platforms, "linux/amd64,linux/arm64");
  assert.equal(push.with.file, "Containerfile");
});

Deno.test("compile.sh refuses an unknown target with exit 2, before compiling anything", async () => {
  const out = await new Deno.Command("sh", {
    args: [`${ROOT}/scripts/compile.sh`, "mips-unknown-linux-gnu"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /unknown target "mips-unknown-linux-gnu"/);
});

Deno.test("the Containerfile compiles in deno 2.9.6 and runs as uid 65532 on distroless", async () => {
  const text = await Deno.readTextFile(`${ROOT}/Containerfile`);
  assert.match(text, /^FROM --platform=\$BUILDPLATFORM denoland\/deno:2\.9\.6 AS build$/m);
  assert.match(text, /^FROM gcr\.io\/distroless\/cc-debian12:nonroot$/m);
  assert.match(text, /^USER 65532:65532$/m);
  assert.match(text, /^EXPOSE 8000$/m);
  assert.match(text, /^ENTRYPOINT \["\/usr\/local\/bin\/sidekernel"\]$/m);
  assert.match(text, /^CMD \["serve", "--host", "0\.0\.0\.0"\]$/m);
});
