/**
 * The pure injection core (`injectPod`) the CLI and the webhook share: pods as
 * the API server presents them at admission, the Job policy, every refusal
 * (before any change), annotations over flags, credentials, ports — and the
 * JSON Patch a webhook returns.
 */
import assert from "node:assert/strict";
import {
  applyJsonPatch,
  DEFAULT_INJECT_OPTIONS,
  diffJsonPatch,
  type InjectOptions,
  injectPod,
  type InjectPodResult,
  type Json,
  type JsonObject,
} from "../src/inject/core.ts";

type Obj = Record<string, unknown>;
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const options = (more: Partial<InjectOptions> = {}): InjectOptions => ({
  ...DEFAULT_INJECT_OPTIONS,
  namespaces: [],
  ...more,
});

const jupyter = (more: Obj = {}): Obj => ({
  name: "notebook",
  image: "quay.io/jupyter/scipy-notebook:2024-05-27",
  args: ["start-notebook.py", "--ServerApp.root_dir=/home/jovyan/work"],
  env: [{ name: "JUPYTER_TOKEN", valueFrom: { secretKeyRef: { name: "nb", key: "token" } } }],
  ports: [{ containerPort: 8888 }],
  volumeMounts: [{ name: "work", mountPath: "/home/jovyan/work", subPath: "alice" }],
  ...more,
});
const pod = (spec: Obj, metadata: Obj = { name: "p" }): JsonObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata,
  spec: { volumes: [{ name: "work", persistentVolumeClaim: { claimName: "c" } }], ...spec },
} as JsonObject);

function injected(r: InjectPodResult): Extract<InjectPodResult, { kind: "injected" }> {
  assert.equal(r.kind, "injected", "message" in r ? r.message : "");
  return r as Extract<InjectPodResult, { kind: "injected" }>;
}
const specOf = (p: JsonObject) => p.spec as Obj & { containers: Obj[]; initContainers: Obj[] };
const mountPaths = (c: Obj) => ((c.volumeMounts ?? []) as Obj[]).map((m) => m.mountPath);

Deno.test("injectPod() never changes its input and returns a copy", () => {
  const input = pod({ containers: [jupyter()] });
  const frozen = JSON.stringify(input);
  const r = injected(injectPod(input, options()));
  assert.equal(JSON.stringify(input), frozen);
  assert.notEqual(r.pod, input);
});

Deno.test("injectPod() on an admission-time pod: the kernel loses its token, the agent keeps exactly its own", () => {
  const access = {
    name: "kube-api-access-9zx4q",
    projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3607 } }] },
  };
  const saMount = { name: "kube-api-access-9zx4q", mountPath: SA_DIR, readOnly: true };
  const agent = {
    name: "agent",
    image: "agent:1",
    ports: [{ containerPort: 8000 }],
    volumeMounts: [saMount],
  };
  const input = pod(
    {
      serviceAccountName: "agent-sa",
      containers: [
        jupyter({ volumeMounts: [...(jupyter().volumeMounts as Obj[]), saMount] }),
        agent,
      ],
      volumes: [{ name: "work", persistentVolumeClaim: { claimName: "c" } }, access],
    },
    { generateName: "agent-7d9f-", ownerReferences: [{ kind: "ReplicaSet", name: "agent-7d9f" }] },
  );
  const r = injected(injectPod(input, options()));
  const spec = specOf(r.pod);
  assert.ok(!mountPaths(spec.containers[0]).includes(SA_DIR), "the kernel holds no token");
  assert.deepEqual(spec.containers[1], agent, "the agent container is exactly as it was");
  assert.ok((spec.volumes as Obj[]).some((v) => v.name === "kube-api-access-9zx4q"));
  assert.equal(spec.serviceAccountName, "agent-sa");
  assert.equal(spec.automountServiceAccountToken, false);
  const sidecar = spec.initContainers[0];
  assert.ok(mountPaths(sidecar).includes(SA_DIR), "the sidecar has its own token");
  assert.ok(((sidecar.args ?? []) as string[]).includes("8001"), "8000 is the agent's: 8001");
  assert.equal(r.serviceAccount, "agent-sa");
  assert.ok(r.notes.some((n) => n.includes(`removed the API token mount "kube-api-access-9zx4q"`)));
  assert.ok(r.notes.some((n) => n.includes(`all rights of ServiceAccount "agent-sa"`)));
  const shared = (sidecar.volumeMounts as Obj[]).find((m) => m.name === "work");
  assert.deepEqual(shared, { name: "work", mountPath: "/home/jovyan/work", subPath: "alice" });
});

Deno.test("injectPod() without automount in the pod: other containers get an explicit token, the kernel none", () => {
  const r = injected(
    injectPod(pod({ containers: [jupyter(), { name: "agent", image: "a" }] }), options()),
  );
  const spec = specOf(r.pod);
  assert.equal(spec.automountServiceAccountToken, false);
  assert.ok(mountPaths(spec.containers[1]).includes(SA_DIR), "the agent keeps a token");
  assert.ok(!mountPaths(spec.containers[0]).includes(SA_DIR));
  assert.ok(r.notes.some((n) => n.includes(`container "agent" keeps its API token`)));
});

Deno.test("injectPod() with --kernel-token keep leaves the kernel's token and says what that means", () => {
  const r = injected(injectPod(pod({ containers: [jupyter()] }), options({ kernelToken: "keep" })));
  assert.equal(specOf(r.pod).automountServiceAccountToken, undefined);
  assert.ok(r.notes.some((n) => n.includes('can use every right of ServiceAccount "default"')));
});

Deno.test("injectPod() in a Job's pod (ownerReferences): native sidecar; container mode refused unless forced", () => {
  const input = pod({ containers: [jupyter()], restartPolicy: "Never" }, {
    generateName: "run-",
    ownerReferences: [{ kind: "Job", name: "run" }],
  });
  const native = injected(injectPod(input, options()));
  assert.equal(specOf(native.pod).initContainers[0].restartPolicy, "Always");
  const refused = injectPod(input, options({ sidecarMode: "container" }));
  assert.equal(refused.kind, "skipped");
  assert.equal(refused.kind === "skipped" && refused.reason, "mode-refused");
  assert.match(refused.kind === "skipped" ? refused.message : "", /would never complete/);
  const forced = injected(injectPod(input, options({ sidecarMode: "container", force: true })));
  assert.equal(specOf(forced.pod).containers.at(-1)?.name, "sidekernel");
  const cron = injectPod(
    pod({ containers: [jupyter()] }),
    options({ sidecarMode: "container" }),
    "CronJob",
  );
  assert.equal(cron.kind === "skipped" && cron.reason, "mode-refused");
});

Deno.test("injectPod() puts the sidecar right after a native-sidecar Jupyter", () => {
  const init = [
    { name: "clone", image: "git" },
    { ...jupyter(), restartPolicy: "Always" },
    { name: "warmup", image: "w" },
  ];
  const r = injected(
    injectPod(
      pod({ initContainers: init, containers: [{ name: "agent", image: "a" }] }),
      options(),
    ),
  );
  assert.deepEqual(specOf(r.pod).initContainers.map((c) => c.name), [
    "clone",
    "notebook",
    "sidekernel",
    "warmup",
  ]);
});

const refusals: [string, JsonObject, Partial<InjectOptions>, string, RegExp][] = [
  [
    "no Jupyter",
    pod({ containers: [{ name: "app", image: "python:3-slim", args: ["sleep", "inf"] }] }),
    {},
    "no-jupyter",
    /no container runs a Jupyter server .* in: "app"\); if one does, name it with the annotation sidekernel.dev\/jupyter-container/,
  ],
  [
    "two Jupyter containers",
    pod({ containers: [jupyter(), jupyter({ name: "lab", args: ["jupyter", "lab"] })] }),
    {},
    "several-candidates",
    /several containers look like Jupyter: "notebook" \(.*\); "lab" \(command "jupyter lab".*\); name it/,
  ],
  [
    "a named container the pod lacks",
    pod({ containers: [jupyter()] }),
    { jupyterContainer: "lab" },
    "unknown-container",
    /--jupyter-container names container "lab", which the pod does not run \(its containers: "notebook"\)/,
  ],
  [
    "a foreign sidekernel container",
    pod({ containers: [jupyter(), { name: "sidekernel", image: "example.com/kernel-proxy:1" }] }),
    {},
    "foreign-sidecar",
    /a container named "sidekernel" \(image "example.com\/kernel-proxy:1"\) that sidekernel did not add/,
  ],
  [
    "a taken port",
    pod({
      containers: [jupyter(), { name: "agent", image: "a", ports: [{ containerPort: 9000 }] }],
    }),
    { port: 9000 },
    "port-clash",
    /port 9000 for the sidecar is already used in the pod \(ports in use: 8888, 9000\)/,
  ],
  [
    "no token",
    pod({ containers: [jupyter({ env: [] })] }),
    {},
    "no-token",
    /sets no Jupyter token .* sidekernel.dev\/jupyter-token-secret: NAME\/KEY/,
  ],
];
for (const [what, input, more, reason, message] of refusals) {
  Deno.test(`injectPod() refuses ${what}: "${reason}", a message saying how to fix it`, () => {
    const r = injectPod(input, options(more));
    assert.equal(r.kind, "skipped");
    assert.equal(r.kind === "skipped" && r.reason, reason);
    assert.match(r.kind === "skipped" ? r.message : "", message);
  });
}

const badAnnotations: [Obj, RegExp][] = [
  [
    { "sidekernel.dev/inject": "yes" },
    /sidekernel.dev\/inject: "yes" is not "true", "required" or "false"/,
  ],
  [
    { "sidekernel.dev/jupyter-url": "localhost:8888" },
    /jupyter-url: "localhost:8888" is not an http/,
  ],
  [{ "sidekernel.dev/jupyter-token-secret": "nb" }, /"nb" is not NAME\/KEY/],
  [{ "sidekernel.dev/workspace-path": "work" }, /"work" is not an absolute path/],
  [{ "sidekernel.dev/sidecar-mode": "sidecar" }, /"sidecar" is not "native" or "container"/],
  [{ "sidekernel.dev/sidecar-port": "0" }, /"0" is not a whole number from 1 to 65535/],
  [{ "sidekernel.dev/namespaces": "a,B_" }, /comma-separated list of namespace names/],
  [
    { "sidekernel.dev/jupyter-contianer": "x" },
    /jupyter-contianer is not one sidekernel reads \(known: /,
  ],
];
for (const [annotations, message] of badAnnotations) {
  Deno.test(`injectPod() refuses the annotation ${Object.keys(annotations)[0]}="${Object.values(annotations)[0]}"`, () => {
    const r = injectPod(pod({ containers: [jupyter()] }, { name: "p", annotations }), options());
    assert.equal(r.kind === "skipped" && r.reason, "bad-annotation");
    assert.match(r.kind === "skipped" ? r.message : "", message);
  });
}

Deno.test('injectPod(): annotations win over flags; inject: "false" (annotation or label) opts out', () => {
  const annotations = {
    "sidekernel.dev/jupyter-url": "http://127.0.0.1:9999/lab/",
    "sidekernel.dev/workspace-path": "/data",
    "sidekernel.dev/namespaces": "team-a,team-b",
    "sidekernel.dev/jupyter-token-secret": "other/key",
  };
  const r = injected(injectPod(
    pod({ containers: [jupyter()] }, { name: "p", annotations }),
    options({ jupyterUrl: "http://127.0.0.1:1/", workspacePath: "/flag" }),
  ));
  const args = specOf(r.pod).initContainers[0].args as string[];
  const after = (flag: string) => args.filter((_, i) => args[i - 1] === flag);
  assert.deepEqual(after("--jupyter-url"), ["http://127.0.0.1:9999/lab/"]);
  assert.deepEqual(after("--workspace-path"), ["/data"]);
  assert.deepEqual(after("--namespace"), ["team-a", "team-b"]);
  const volume = (specOf(r.pod).volumes as Obj[]).find((v) =>
    v.name === "sidekernel-jupyter-token"
  );
  assert.deepEqual(volume?.secret, { secretName: "other", items: [{ key: "key", path: "token" }] });
  const out = injectPod(
    pod({ containers: [jupyter()] }, { annotations: { "sidekernel.dev/inject": "false" } }),
    options(),
  );
  assert.deepEqual(out.kind === "unchanged" && out.reason, "opted-out");
  const labelled = injectPod(
    pod({ containers: [jupyter()] }, { labels: { "sidekernel.dev/inject": "false" } }),
    options(),
  );
  assert.deepEqual(
    labelled.kind === "unchanged" && labelled.message,
    'label sidekernel.dev/inject is "false"',
  );
});

Deno.test("injectPod(): a token given as $(VAR) of a Secret-backed env is mounted from that Secret", () => {
  const c = jupyter({
    args: ["jupyter", "lab", "--ServerApp.token=$(NB_TOKEN)", "--ServerApp.base_url=/u/a"],
    env: [{
      name: "NB_TOKEN",
      valueFrom: { secretKeyRef: { name: "s", key: "k", optional: true } },
    }],
  });
  const r = injected(injectPod(pod({ containers: [c] }), options()));
  const volume = (specOf(r.pod).volumes as Obj[]).find((v) =>
    v.name === "sidekernel-jupyter-token"
  );
  assert.deepEqual(volume?.secret, {
    secretName: "s",
    items: [{ key: "k", path: "token" }],
    optional: true,
  });
  const args = specOf(r.pod).initContainers[0].args as string[];
  assert.equal(args[args.indexOf("--jupyter-url") + 1], "http://127.0.0.1:8888/u/a/");
});

Deno.test("injectPod(): a PVC without fsGroup and an unknown uid gets a warning with the fix", () => {
  const c = jupyter({
    image: "registry.example.com/lab:1",
    args: ["jupyter", "lab", "--notebook-dir=/data"],
  });
  c.volumeMounts = [{ name: "work", mountPath: "/data" }];
  const r = injected(injectPod(pod({ containers: [c] }), options()));
  assert.ok(
    r.notes.some((n) =>
      /warning: the sidecar \(uid 65532\) may not write volume "work" .*set spec.securityContext.fsGroup/
        .test(n)
    ),
  );
});

Deno.test("injectPod() on what it returned: unchanged, already-injected", () => {
  const r = injected(injectPod(pod({ containers: [jupyter()] }), options()));
  const again = injectPod(r.pod, options());
  assert.equal(again.kind === "unchanged" && again.reason, "already-injected");
});

Deno.test("diffJsonPatch(before, result.pod) is the webhook's patch: applied, it gives the injected pod", () => {
  const input = pod({ containers: [jupyter(), { name: "agent", image: "a" }] }, {
    generateName: "x-",
    annotations: { "example.com/a": "1" },
  });
  const r = injected(injectPod(input, options()));
  const ops = diffJsonPatch(input, r.pod);
  assert.deepEqual(applyJsonPatch(input, ops), r.pod);
  assert.ok(ops.some((o) => o.path === "/metadata/annotations/sidekernel.dev~1status"));
  assert.ok(ops.every((o) => ["add", "replace", "remove"].includes(o.op)));
});

const diffCases: [string, Json, Json, number][] = [
  ["an insert in the middle is one add", { a: [1, 3] }, { a: [1, 2, 3] }, 1],
  ["a removal in the middle is one remove", { a: ["x", "y", "z"] }, { a: ["x", "z"] }, 1],
  ["a changed named element is diffed in place", { c: [{ name: "a", v: 1 }, { name: "b" }] }, {
    c: [{ name: "a", v: 2 }, { name: "b" }],
  }, 1],
  ["a key with / and ~", { "a/b~c": 1 }, { "a/b~c": 2 }, 1],
  ["a new key", {}, { k: { deep: [1] } }, 1],
  ["replaced root type", [1], { a: 1 }, 1],
  ["equal", { a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, 0],
];
for (const [what, before, after, count] of diffCases) {
  Deno.test(`diffJsonPatch(): ${what}`, () => {
    const ops = diffJsonPatch(before, after);
    assert.equal(ops.length, count, JSON.stringify(ops));
    assert.deepEqual(applyJsonPatch(before, ops), after);
  });
}

Deno.test("rbacYaml(): the Role inject prints has exactly the rules of deploy/base/role.yaml", async () => {
  const { parse, parseAllDocuments } = await import("yaml");
  const { rbacYaml } = await import("../src/inject/rbac.ts");
  const base = parse(await Deno.readTextFile(new URL("../deploy/base/role.yaml", import.meta.url)));
  const [role, binding] = parseAllDocuments(rbacYaml("fl-notebook", "kubeflow")).map((d) =>
    (d as { toJS(): Obj }).toJS()
  );
  assert.deepEqual(role.rules, base.rules);
  assert.equal((role.metadata as Obj).name, base.metadata.name);
  assert.deepEqual(binding.subjects, [
    { kind: "ServiceAccount", name: "fl-notebook", namespace: "kubeflow" },
  ]);
  assert.deepEqual(binding.roleRef, {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "Role",
    name: base.metadata.name,
  });
});
