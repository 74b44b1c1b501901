/**
 * The webhook's handler in-process (`Request → Response`): AdmissionReviews
 * shaped as kube-apiserver sends them (tests/testdata/admission/), the patch
 * applied with fast-json-patch, and every refusal a user or an operator sees.
 */
import assert from "node:assert/strict";
import { DEFAULT_INJECT_OPTIONS, injectPod } from "../src/inject/core.ts";
import { MAX_WARNING_LENGTH, MAX_WARNINGS, warnings } from "../src/webhook/warnings.ts";
import {
  applyAnswer,
  inProcess,
  loadReview,
  mutateRequest,
  type Obj,
  patchOf,
  review,
  reviewFor,
} from "./support/webhook_harness.ts";

const SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

function jobPod(): Obj {
  return structuredClone((loadReview("pod_create_job").request as Obj).object) as Obj;
}

type Container = { name: string; volumeMounts?: { name: string; mountPath: string }[] };
function containers(pod: unknown): Container[] {
  const spec = (pod as { spec: { containers?: Container[]; initContainers?: Container[] } }).spec;
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

Deno.test("POST /mutate: a Job's pod as admission sees it gets exactly what the injection core makes of it", async () => {
  const { handle } = inProcess();
  const body = loadReview("pod_create_job");
  const request = body.request as Obj;
  const answer = await review(handle, body);
  assert.equal(answer.uid, request.uid, "the answer carries the request's uid");
  assert.equal(answer.allowed, true);
  assert.equal(answer.patchType, "JSONPatch");
  const expected = injectPod(request.object, DEFAULT_INJECT_OPTIONS, "Pod");
  assert.equal(expected.kind, "injected");
  if (expected.kind !== "injected") return;
  assert.deepEqual(applyAnswer(request.object, answer), expected.pod);
  assert.deepEqual(answer.warnings, warnings(expected.notes), "the notes are the warnings");
  assert.ok(containers(expected.pod).some((c) => c.name === "sidekernel"));
});

Deno.test("POST /mutate: on the admitted pod the kernel's container loses the API token, the others keep theirs, the sidecar has its own", async () => {
  const { handle } = inProcess();
  const pod = jobPod();
  assert.equal((pod.metadata as Obj).name, undefined, "controller pods arrive without a name");
  const after = applyAnswer(pod, await review(handle, reviewFor(pod)));
  const byName = new Map(containers(after).map((c) => [c.name, c]));
  const mounts = (name: string) => (byName.get(name)?.volumeMounts ?? []).map((m) => m.mountPath);
  assert.ok(!mounts("notebook").includes(SA_PATH), "the Jupyter container holds no API token");
  assert.deepEqual(
    byName.get("reporter")?.volumeMounts,
    containers(pod).find((c) => c.name === "reporter")?.volumeMounts,
    "a container that is not the kernel's keeps exactly its mounts",
  );
  assert.ok(mounts("sidekernel").includes(SA_PATH), "the sidecar gets a token of its own");
  // The API server re-runs its ServiceAccount plugin after a webhook's patch; with automount on it
  // would mount the token into the Jupyter container again.
  assert.equal((after as { spec: Obj }).spec.automountServiceAccountToken, false);
});

Deno.test("POST /mutate: a pod already injected is left alone (reinvocationPolicy IfNeeded is safe)", async () => {
  const { handle } = inProcess();
  const pod = jobPod();
  const once = applyAnswer(pod, await review(handle, reviewFor(pod)));
  const again = await review(handle, reviewFor(once));
  assert.equal(again.allowed, true);
  assert.deepEqual(patchOf(again), [], "no patch the second time");
});

Deno.test('POST /mutate: annotation sidekernel.dev/inject: "false" opts a pod out', async () => {
  const { handle, metrics } = inProcess();
  const pod = jobPod();
  (pod.metadata as Obj).annotations = { "sidekernel.dev/inject": "false" };
  const answer = await review(handle, reviewFor(pod));
  assert.equal(answer.allowed, true);
  assert.equal(answer.patch, undefined);
  assert.equal(metrics.reviews.get({ outcome: "unchanged", reason: "opted-out" }), 1);
});

Deno.test("POST /mutate: a dryRun review gets the same answer (the webhook has no side effects)", async () => {
  const { handle } = inProcess();
  const pod = jobPod();
  const real = await review(handle, reviewFor(pod, { uid: "a", dryRun: false }));
  const dry = await review(handle, reviewFor(pod, { uid: "a", dryRun: true }));
  assert.deepEqual(dry, real);
});

Deno.test("POST /mutate: a pod with no Jupyter container is admitted unchanged, with a warning that says why", async () => {
  const { handle, metrics } = inProcess();
  const pod = jobPod();
  const spec = pod.spec as Obj;
  spec.containers = (spec.containers as Obj[]).filter((c) => c.name === "reporter");
  const answer = await review(handle, reviewFor(pod));
  assert.equal(answer.allowed, true);
  assert.equal(answer.patch, undefined);
  assert.match(answer.warnings?.[0] ?? "", /^sidekernel: the sidecar was not added: /);
  assert.equal(metrics.reviews.get({ outcome: "skipped", reason: "no-jupyter" }), 1);
});

Deno.test('POST /mutate: sidekernel.dev/inject: "required" on a pod that cannot be injected is denied with the reason', async () => {
  const { handle, metrics } = inProcess();
  const pod = jobPod();
  const spec = pod.spec as Obj;
  spec.containers = (spec.containers as Obj[]).filter((c) => c.name === "reporter");
  (pod.metadata as Obj).annotations = { "sidekernel.dev/inject": "required" };
  const answer = await review(handle, reviewFor(pod));
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 403);
  assert.match(answer.status?.message ?? "", /not added: .*"required"/);
  assert.equal(metrics.reviews.get({ outcome: "denied", reason: "no-jupyter" }), 1);
});

Deno.test('POST /mutate: sidekernel.dev/inject: "required" on a pod with Jupyter injects it as "true" would, the annotation kept', async () => {
  const { handle } = inProcess();
  const strict = jobPod();
  (strict.metadata as Obj).annotations = { "sidekernel.dev/inject": "required" };
  const plain = jobPod();
  (plain.metadata as Obj).annotations = { "sidekernel.dev/inject": "true" };
  const answer = await review(handle, reviewFor(strict));
  assert.equal(answer.allowed, true);
  const after = applyAnswer(strict, answer) as Obj;
  assert.equal(((after.metadata as Obj).annotations as Obj)["sidekernel.dev/inject"], "required");
  const expected = injectPod(plain, DEFAULT_INJECT_OPTIONS);
  assert.equal(expected.kind, "injected");
  if (expected.kind !== "injected") return;
  assert.deepEqual(after.spec, expected.pod.spec);
});

Deno.test("POST /mutate: a Deployment review is denied, naming the kind and the rules to fix", async () => {
  const { handle, metrics } = inProcess();
  const answer = await review(handle, loadReview("deployment_create"));
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 400);
  assert.match(
    answer.status?.message ?? "",
    /Pods only.*apps\/v1 Deployment.*"deployments".*CREATE of "pods"/,
  );
  assert.equal(metrics.reviews.get({ outcome: "rejected", reason: "not-a-pod" }), 1);
});

Deno.test("POST /mutate: a pod UPDATE passes unchanged with a warning about the rules", async () => {
  const { handle } = inProcess();
  const pod = jobPod();
  const answer = await review(handle, reviewFor(pod, { operation: "UPDATE", oldObject: pod }));
  assert.equal(answer.allowed, true);
  assert.equal(answer.patch, undefined);
  assert.match(
    answer.warnings?.[0] ?? "",
    /only when a pod is created; this UPDATE passed unchanged/,
  );
});

const badBodies: [string, string, RegExp][] = [
  ["malformed JSON", '{"apiVersion": "admission.k8s.io/v1", "kind": ', /the body is not JSON/],
  ["a JSON array", "[]", /wanted an AdmissionReview object, found an array/],
  [
    "apiVersion admission.k8s.io/v1beta1",
    JSON.stringify({ ...loadReview("pod_create_job"), apiVersion: "admission.k8s.io/v1beta1" }),
    /wanted apiVersion "admission.k8s.io\/v1", found "admission.k8s.io\/v1beta1"; set admissionReviewVersions: \["v1"\]/,
  ],
  [
    "kind Pod",
    JSON.stringify({ apiVersion: "v1", kind: "Pod" }),
    /wanted kind "AdmissionReview", found "Pod"/,
  ],
  [
    "no request.uid",
    JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} }),
    /wanted a non-empty "request.uid", found nothing/,
  ],
  [
    "an unknown operation",
    JSON.stringify(reviewFor({}, { operation: "PATCH" })),
    /wanted "request.operation" of CREATE, UPDATE, DELETE, CONNECT, found "PATCH"/,
  ],
];
for (const [what, body, message] of badBodies) {
  Deno.test(`POST /mutate: ${what} gets HTTP 400 saying what was wanted`, async () => {
    const { handle, metrics } = inProcess();
    const res = await handle(mutateRequest(body));
    assert.equal(res.status, 400);
    assert.match(await res.text(), message);
    assert.equal(metrics.reviews.get({ outcome: "invalid", reason: "400" }), 1);
  });
}

Deno.test("POST /mutate: wrong method and content type are refused with 405 and 415", async () => {
  const { handle } = inProcess();
  const get = await handle(new Request("https://webhook.test/mutate"));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  await get.body?.cancel();
  const form = await handle(
    mutateRequest("a=b", { "content-type": "application/x-www-form-urlencoded" }),
  );
  assert.equal(form.status, 415);
  assert.match(await form.text(), /wanted Content-Type "application\/json"/);
});

Deno.test("GET /healthz, /readyz, /metrics: probes answer, metrics count reviews by outcome with a latency histogram", async () => {
  const { handle } = inProcess();
  await review(handle, loadReview("pod_create_job"));
  await handle(mutateRequest("nope")).then((r) => r.body?.cancel());
  for (const path of ["/healthz", "/readyz"]) {
    const res = await handle(new Request(`https://webhook.test${path}`));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok\n");
  }
  const res = await handle(new Request("https://webhook.test/metrics"));
  const text = await res.text();
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  assert.match(text, /sidekernel_webhook_reviews_total\{outcome="injected",reason=""\} 1/);
  assert.match(text, /sidekernel_webhook_reviews_total\{outcome="invalid",reason="400"\} 1/);
  assert.match(
    text,
    /sidekernel_webhook_review_duration_seconds_bucket\{outcome="injected",le="0.1"\} 1/,
  );
  const missing = await handle(new Request("https://webhook.test/other"));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /serves POST \/mutate, \/healthz, \/readyz, \/metrics/);
});

Deno.test("warnings() keeps each note one line, prefixed, at most 256 characters and 12 of them", () => {
  assert.deepEqual(warnings(["bell\u0007 esc\u001b[31m"]), ["sidekernel: bell? esc?[31m"]);
  const out = warnings([
    "a\nb",
    "",
    "x".repeat(400),
    ...Array.from({ length: 20 }, (_, i) => `n${i}`),
  ]);
  assert.equal(out[0], "sidekernel: a b");
  assert.equal(out[1].length, MAX_WARNING_LENGTH);
  assert.equal(out.length, MAX_WARNINGS);
  assert.match(out.at(-1) ?? "", /and 11 more changes/);
});
