/**
 * The webhook and `sidekernel inject` agree: for every pod in every golden
 * manifest of inject (tests/golden/inject/), the pod the API server would
 * create from it (generateName, no name, its controller's ownerReference) is
 * sent as an AdmissionReview to a real `sidekernel webhook` process over
 * HTTPS with a test CA, the answer's patch is applied with fast-json-patch,
 * and the result is exactly the pod (template) `inject` prints for that
 * manifest — with no flags, and with the same injection flags given to both.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { runInject } from "../src/inject/run.ts";
import { ROOT } from "./support/server.ts";
import { createTestCa } from "./support/webhook_certs.ts";
import { applyAnswer, envelope, type Obj, reviewFor } from "./support/webhook_harness.ts";
import { postReview, startWebhook } from "./support/webhook_process.ts";

const GOLDEN = `${ROOT}/tests/golden/inject`;

/** The controller that creates a workload's pods, as its ownerReference names it. */
const OWNERS: Record<string, { apiVersion: string; kind: string }> = {
  Deployment: { apiVersion: "apps/v1", kind: "ReplicaSet" },
  ReplicaSet: { apiVersion: "apps/v1", kind: "ReplicaSet" },
  StatefulSet: { apiVersion: "apps/v1", kind: "StatefulSet" },
  DaemonSet: { apiVersion: "apps/v1", kind: "DaemonSet" },
  Job: { apiVersion: "batch/v1", kind: "Job" },
  CronJob: { apiVersion: "batch/v1", kind: "Job" },
};

/** Every pod (template) in a Kubernetes object, as the Pod the API server admits. */
function podsOf(object: unknown): Obj[] {
  if (typeof object !== "object" || object === null) return [];
  const o = object as Obj;
  if (o.kind === "List" && Array.isArray(o.items)) return o.items.flatMap(podsOf);
  if (o.kind === "Pod" && o.apiVersion === "v1") return [o];
  const owner = typeof o.kind === "string" ? OWNERS[o.kind] : undefined;
  if (!owner) return [];
  const spec = o.spec as Obj | undefined;
  const template =
    (o.kind === "CronJob"
      ? ((spec?.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template
      : spec?.template) as Obj | undefined;
  if (!template) return [];
  const name = String((o.metadata as Obj | undefined)?.name ?? "workload");
  return [{
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(template.metadata as Obj | undefined),
      generateName: `${name}-`,
      ownerReferences: [{
        ...owner,
        name,
        uid: "3f1d2c4b-5a69-4e7d-8c1b-0a2b3c4d5e6f",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: template.spec,
  }];
}

function podsOfText(text: string): Obj[] {
  return parseAllDocuments(text).flatMap((doc) => podsOf(doc.toJS()));
}

async function inject(args: string[], input: string) {
  const out: string[] = [];
  const code = await runInject(["-f", "-", ...args], {
    stdin: () => Promise.resolve(input),
    stdout: (s) => out.push(s),
    stderr: () => {},
  });
  return { code, stdout: out.join("") };
}

const goldenInputs = [...Deno.readDirSync(GOLDEN)]
  .map((e) => e.name)
  .filter((n) => /\.in\.(ya?ml|json)$/.test(n))
  .sort();

const FLAG_SETS: string[][] = [
  [],
  ["--image", "registry.example.com/sidekernel:dev", "--sidecar-port", "9100"],
];

for (const flags of FLAG_SETS) {
  const label = flags.length ? ` with ${flags.join(" ")}` : "";
  Deno.test(`every golden manifest of inject: the webhook's patch gives exactly inject's pod${label}`, async () => {
    const ca = await createTestCa();
    const { certFile, keyFile } = await ca.issue("golden");
    const webhook = await startWebhook([
      "--tls-cert-file",
      certFile,
      "--tls-key-file",
      keyFile,
      ...flags,
    ]);
    const client = Deno.createHttpClient({ caCerts: [ca.caCert] });
    let compared = 0;
    let changed = 0;
    try {
      for (const name of goldenInputs) {
        const input = await Deno.readTextFile(`${GOLDEN}/${name}`);
        const printed = await inject(flags, input);
        if (printed.code !== 0) continue; // unusable input: inject refuses it, there is no pod
        const before = podsOfText(input);
        const after = podsOfText(printed.stdout);
        assert.equal(after.length, before.length, `${name}: the same pods in and out`);
        for (const [i, pod] of before.entries()) {
          const { status, text } = await postReview(client, webhook.url, reviewFor(pod));
          assert.equal(status, 200, text);
          const answer = envelope(text);
          assert.equal(answer.allowed, true, `${name} pod ${i}: ${answer.status?.message}`);
          assert.deepEqual(applyAnswer(pod, answer), after[i], `${name} pod ${i}`);
          compared++;
          if (answer.patch) changed++;
        }
      }
    } finally {
      client.close();
      assert.equal((await webhook.stop()).code, 0);
      await ca.cleanup();
    }
    assert.ok(compared >= 8, `compared ${compared} pods`);
    assert.ok(changed >= 5, `${changed} pods got a patch`);
  });
}
