/**
 * Hostile manifests against `sidekernel inject` (the webhook runs the same
 * core on pods anyone allowed to create pods can write): each gets a clear
 * answer in bounded time, nothing half-written, and the next, normal manifest
 * is still injected.
 */
import assert from "node:assert/strict";
import { injectPod } from "../../src/inject/core.ts";
import { DEFAULT_INJECT_OPTIONS } from "../../src/inject/flags.ts";
import { GOLDEN, inject } from "../support/inject_golden.ts";

const within = async <T>(ms: number, what: string, run: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  const result = await run();
  const took = performance.now() - start;
  assert.ok(took < ms, `${what} took ${Math.round(took)} ms (limit ${ms} ms)`);
  return result;
};

async function stillInjects(): Promise<void> {
  const input = await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.in.yaml`);
  const r = await inject(["-f", "-"], input);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, await Deno.readTextFile(`${GOLDEN}/odh-notebook.statefulset.out.yaml`));
}

Deno.test("inject refuses a YAML alias bomb (billion laughs) with exit 1 and prints nothing", async () => {
  let doc =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 9; i++) {
    doc += `    a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
  }
  doc += "spec:\n  containers: [{name: c, image: i}]\n";
  const r = await within(5_000, "the alias bomb", () => inject(["-f", "-"], doc));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /document 1: .*[Aa]lias/);
  await stillInjects();
});

Deno.test("inject answers a pod with 5,000 containers and 5,000 volumes in bounded time", async () => {
  const containers = Array.from({ length: 5_000 }, (_, i) => ({
    name: `c${i}`,
    image: "busybox",
    ports: [{ containerPort: i === 888 ? 30_000 : 8000 + i }],
  }));
  containers[0] = {
    name: "lab",
    image: "quay.io/jupyter/base-notebook:2024-05-27",
    ports: [{ containerPort: 8888 }],
  } as (typeof containers)[0];
  const volumes = Array.from({ length: 5_000 }, (_, i) => ({ name: `v${i}`, emptyDir: {} }));
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "wide" },
    spec: { containers, volumes },
  };
  const r = await within(
    30_000,
    "5,000 containers",
    () => inject(["-f", "-", "--jupyter-token-secret", "none"], JSON.stringify(pod)),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const sidecar = out.spec.initContainers[0];
  assert.equal(sidecar.name, "sidekernel");
  const port = Number(sidecar.args[sidecar.args.indexOf("--port") + 1]);
  const used = new Set(containers.flatMap((c) => c.ports.map((p) => p.containerPort)));
  assert.ok(!used.has(port) && port !== 8888, `port ${port} is free`);
  assert.equal(port, 8000, "c0 was replaced by Jupyter, so 8000 is free");
  await stillInjects();
});

Deno.test("inject reads a 100,000-word shell script and a 1 MB annotation without stalling", async () => {
  const script = Array.from({ length: 100_000 }, (_, i) => `'a${i}' "b\\"${i}"`).join(" ") +
    " && jupyter lab --ServerApp.token=''";
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", annotations: { "example.com/blob": "x".repeat(1 << 20) } },
    spec: { containers: [{ name: "lab", image: "i", command: ["sh", "-c", script] }] },
  };
  const r = await within(
    20_000,
    "the long script",
    () => Promise.resolve(injectPod(pod, DEFAULT_INJECT_OPTIONS)),
  );
  assert.equal(r.kind, "injected", "message" in r ? r.message : "");
  await stillInjects();
});

Deno.test("inject refuses JSON nested 100,000 deep with exit 1, not a crash", async () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const r = await within(10_000, "deep JSON", () => inject(["-f", "-"], deep));
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  if (r.code === 0) assert.equal(r.stdout, deep, "unchanged when it holds no pod");
  else assert.equal(r.stdout, "");
  await stillInjects();
});
