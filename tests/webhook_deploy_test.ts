/**
 * deploy/webhook/ renders with `kubectl kustomize`, and what it renders
 * matches what `sidekernel webhook` serves: the path, port and probes, the
 * flags (parsed by the webhook's own parser), the Secret the certificate
 * lives in, the selectors on the labels the docs name, failurePolicy,
 * sideEffects, reinvocation. scripts/webhook-certs.sh makes a certificate
 * the webhook serves and a client verifies for the Service's DNS name.
 */
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { parseAllDocuments } from "yaml";
import { VERSION } from "../src/version.ts";
import { INJECT_KEY } from "../src/webhook/mutate.ts";
import { parseWebhookArgs } from "../src/webhook/options.ts";
import { ROOT } from "./support/server.ts";
import { startWebhook } from "./support/webhook_process.ts";

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Rendered {
  kind: string;
  metadata: Meta;
}
interface Probe {
  httpGet: { path: string; port: string; scheme: string };
}
interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment extends Rendered {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      spec: {
        automountServiceAccountToken: boolean;
        securityContext: { runAsNonRoot: boolean };
        containers: Container[];
        volumes: { name: string; secret: { secretName: string } }[];
      };
    };
  };
}
interface Service extends Rendered {
  spec: { ports: { port: number; targetPort: string }[] };
}
interface Selector {
  matchExpressions: { key: string; operator: string; values: string[] }[];
}
interface Webhook {
  name: string;
  clientConfig: { service: Record<string, unknown> };
  rules: unknown[];
  failurePolicy: string;
  sideEffects: string;
  admissionReviewVersions: string[];
  reinvocationPolicy: string;
  timeoutSeconds: number;
  namespaceSelector: Selector;
  objectSelector: Selector;
}
interface WebhookConfiguration extends Rendered {
  webhooks: Webhook[];
}
interface Certificate extends Rendered {
  spec: { secretName: string; dnsNames: string[] };
}
interface Pdb extends Rendered {
  spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
}

async function render(dir: string): Promise<Rendered[]> {
  const out = await new Deno.Command("kubectl", {
    args: ["kustomize", dir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return parseAllDocuments(new TextDecoder().decode(out.stdout)).map((d) => d.toJS());
}

function one<T extends Rendered>(objects: Rendered[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? ` "${name}"` : ""}`);
  return found[0] as T;
}

Deno.test("kubectl kustomize deploy/webhook: the configuration calls the webhook where it serves", async () => {
  const objects = await render(`${ROOT}/deploy/webhook`);
  const deployment = one<Deployment>(objects, "Deployment");
  const service = one<Service>(objects, "Service");
  const config = one<WebhookConfiguration>(objects, "MutatingWebhookConfiguration");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  // The container runs `sidekernel webhook` with flags its parser accepts.
  assert.equal(container.args[0], "webhook");
  const parsed = parseWebhookArgs(container.args.slice(1), "/");
  assert.equal(parsed.help, false);
  if (parsed.help) return;
  const options = parsed.options;
  assert.equal(options.host, "0.0.0.0");
  const port = container.ports.find((p) => p.name === service.spec.ports[0].targetPort);
  assert.equal(
    port?.containerPort,
    options.port,
    "the Service targets the port the webhook listens on",
  );
  assert.deepEqual(container.livenessProbe.httpGet, {
    path: "/healthz",
    port: "https",
    scheme: "HTTPS",
  });
  assert.deepEqual(container.readinessProbe.httpGet, {
    path: "/readyz",
    port: "https",
    scheme: "HTTPS",
  });
  assert.equal(container.image, `ghcr.io/sidekernel/sidekernel:${VERSION}`);

  // The certificate files come from the Secret cert-manager writes.
  const mount = container.volumeMounts.find((m) => options.certFile.startsWith(`${m.mountPath}/`));
  assert.ok(
    mount && options.keyFile.startsWith(`${mount.mountPath}/`),
    "both files from one mount",
  );
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  const certificate = one<Certificate>(objects, "Certificate", "sidekernel-webhook");
  assert.equal(volume?.secret.secretName, certificate.spec.secretName);
  const ns = service.metadata.namespace;
  assert.ok(certificate.spec.dnsNames.includes(`${service.metadata.name}.${ns}.svc`));
  assert.equal(
    config.metadata.annotations?.["cert-manager.io/inject-ca-from"],
    `${certificate.metadata.namespace}/${certificate.metadata.name}`,
  );

  // Two replicas that stay up through drains, non-root, read-only, no API token.
  assert.equal(deployment.spec.replicas, 2);
  const pdb = one<Pdb>(objects, "PodDisruptionBudget");
  assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
  assert.equal(pdb.spec.minAvailable, 1);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(objects.filter((o) => /Role/.test(o.kind)).length, 0, "no RBAC: it calls no API");

  // Every webhook: only Pod CREATE, our path and port, the documented policies.
  assert.deepEqual(config.webhooks.map((w) => w.name), [
    "namespace.inject.sidekernel.dev",
    "object.inject.sidekernel.dev",
  ]);
  for (const webhook of config.webhooks) {
    assert.deepEqual(webhook.clientConfig.service, {
      name: service.metadata.name,
      namespace: ns,
      path: "/mutate",
      port: service.spec.ports[0].port,
    });
    assert.deepEqual(webhook.rules, [{
      operations: ["CREATE"],
      apiGroups: [""],
      apiVersions: ["v1"],
      resources: ["pods"],
      scope: "Namespaced",
    }]);
    assert.equal(webhook.failurePolicy, "Ignore");
    assert.equal(webhook.sideEffects, "None");
    assert.deepEqual(webhook.admissionReviewVersions, ["v1"]);
    assert.equal(webhook.reinvocationPolicy, "IfNeeded");
    assert.ok(webhook.timeoutSeconds >= 1 && webhook.timeoutSeconds <= 10);
  }
  const [byNamespace, byObject] = config.webhooks;
  assert.deepEqual(byNamespace.namespaceSelector.matchExpressions, [
    { key: INJECT_KEY, operator: "In", values: ["enabled"] },
  ]);
  assert.deepEqual(byNamespace.objectSelector.matchExpressions, [
    { key: INJECT_KEY, operator: "NotIn", values: ["false"] },
  ]);
  assert.deepEqual(byObject.objectSelector.matchExpressions, [
    { key: INJECT_KEY, operator: "In", values: ["true"] },
  ]);
  assert.deepEqual(byObject.namespaceSelector.matchExpressions[0], {
    key: INJECT_KEY,
    operator: "NotIn",
    values: ["enabled", "disabled"],
  }, "a pod in an enabled namespace is reviewed once, not twice");
  const own = one(objects, "Namespace");
  assert.equal(own.metadata.name, ns);
  assert.equal(
    own.metadata.labels?.[INJECT_KEY],
    "disabled",
    "the webhook never reviews its own pods",
  );
});

Deno.test("kubectl kustomize deploy/webhook/core: everything but cert-manager's objects", async () => {
  const objects = await render(`${ROOT}/deploy/webhook/core`);
  assert.deepEqual(objects.map((o) => o.kind).sort(), [
    "Deployment",
    "MutatingWebhookConfiguration",
    "Namespace",
    "PodDisruptionBudget",
    "Service",
    "ServiceAccount",
  ]);
});

Deno.test("scripts/webhook-certs.sh: the webhook serves its certificate, valid for the Service's DNS name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "webhook-certs-" });
  try {
    const script = await new Deno.Command("sh", {
      args: [`${ROOT}/scripts/webhook-certs.sh`, "--out", dir, "--days", "2"],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(script.code, 0, new TextDecoder().decode(script.stderr));
    const webhook = await startWebhook([
      "--tls-cert-file",
      `${dir}/tls.crt`,
      "--tls-key-file",
      `${dir}/tls.key`,
    ]);
    try {
      const ca = await Deno.readTextFile(`${dir}/ca.crt`);
      const verified = (servername: string) =>
        new Promise<string>((resolve) => {
          const socket = connect({ host: "127.0.0.1", port: webhook.port, ca, servername });
          socket.on("secureConnect", () => {
            socket.end();
            resolve("ok");
          });
          socket.on("error", (e: Error & { code?: string }) => resolve(e.code ?? e.message));
        });
      assert.equal(await verified("sidekernel-webhook.sidekernel-system.svc"), "ok");
      assert.equal(await verified("other.example.com"), "ERR_TLS_CERT_ALTNAME_INVALID");
    } finally {
      assert.equal((await webhook.stop()).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
