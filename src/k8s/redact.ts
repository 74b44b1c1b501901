/**
 * Secrets never leave the pod tools: env values are shown as references,
 * literal values are masked, the `last-applied-configuration` annotation
 * (a copy of the spec with its literal values) is dropped, and every other
 * string of a pod — args, commands, probe and hook headers, annotations,
 * termination and condition messages — is masked by {@link maskDeep}
 * (docs/SECURITY.md, "Class 4").
 *
 * @module
 */
import { isSecretKey, maskArgs, maskCredentials, redacted } from "./credentials.ts";
import type { Container, EnvVar, KubeEvent, Pod } from "./types.ts";

/** What a masked literal env value is shown as. */
export const MASKED = "<set>";
const EMPTY = "<empty>";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Describes an env variable's source without resolving or revealing it.
 *
 * @example
 * ```ts
 * envSource({ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } });
 * // "<secret db/pw>"
 * envSource({ name: "TOKEN", value: "abc" }); // "<set>"
 * ```
 */
export function envSource(env: EnvVar): string {
  const from = env.valueFrom;
  if (from?.secretKeyRef) {
    return `<secret ${from.secretKeyRef.name ?? "?"}/${from.secretKeyRef.key}>`;
  }
  if (from?.configMapKeyRef) {
    return `<configmap ${from.configMapKeyRef.name ?? "?"}/${from.configMapKeyRef.key}>`;
  }
  if (from?.fieldRef) return `<field ${from.fieldRef.fieldPath}>`;
  if (from?.resourceFieldRef) return `<resource ${from.resourceFieldRef.resource}>`;
  if (from) return "<ref>";
  if (env.value === MASKED || env.value === EMPTY) return env.value; // already shown as such
  return env.value === undefined || env.value === "" ? EMPTY : MASKED;
}

function maskContainer(c: Container): Container {
  if (!c.env) return c;
  return {
    ...c,
    env: c.env.map((e) => (e.value === undefined ? e : { name: e.name, value: envSource(e) })),
  };
}

/**
 * Returns a copy of any JSON value with every credential masked: a string
 * under a secret-looking key (`token`, `password`, an `Authorization`
 * header's `value`, an annotation such as `example.com/api-key`) entirely,
 * string lists (commands, args) with flag context (`["--token", "x"]`), and
 * every other string by shape and context ({@link maskCredentials}).
 *
 * @example
 * ```ts
 * maskDeep({ httpHeaders: [{ name: "Authorization", value: "Bearer abc" }] });
 * // { httpHeaders: [{ name: "Authorization", value: "<redacted: 10 chars>" }] }
 * ```
 */
export function maskDeep<T>(value: T, key?: string): T {
  return maskAny(value, key) as T;
}

function maskAny(value: unknown, key?: string): unknown {
  if (typeof value === "string") {
    if (key !== undefined && isSecretKey(key)) return maskWhole(value);
    return maskCredentials(value);
  }
  if (Array.isArray(value)) {
    if (value.length && value.every((v) => typeof v === "string")) return maskArgs(value);
    return value.map((v) => maskAny(v));
  }
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const named = (value as { name?: unknown }).name;
  // {name, value} pairs: env entries, HTTP headers, options.
  const secretPair = typeof named === "string" && isSecretKey(named);
  return Object.fromEntries(
    entries.map(([k, v]) => [
      k,
      secretPair && k === "value" && typeof v === "string" ? maskWhole(v) : maskAny(v, k),
    ]),
  );
}

function maskWhole(value: string): string {
  if (value === "" || /^<(redacted:|set>|empty>|omitted>|secret )/.test(value)) return value;
  if (/^(true|false)$/i.test(value)) return value;
  return redacted(value);
}

/** Returns a copy of `event` with its message (and any other text) masked. */
export function redactEvent(event: KubeEvent): KubeEvent {
  return maskDeep(event);
}

/**
 * Returns a copy of `pod` fit to show: no `managedFields`, literal env values
 * shown as `<set>` in every container kind, no last-applied annotation, and
 * every other credential masked ({@link maskDeep}).
 */
export function redactPod(pod: Pod): Pod {
  const annotations = pod.metadata.annotations ? { ...pod.metadata.annotations } : undefined;
  if (annotations && LAST_APPLIED in annotations) annotations[LAST_APPLIED] = "<omitted>";
  const { managedFields: _dropped, ...metadata } = pod.metadata;
  const spec = pod.spec && {
    ...pod.spec,
    containers: pod.spec.containers.map(maskContainer),
    initContainers: pod.spec.initContainers?.map(maskContainer),
    ephemeralContainers: Array.isArray(pod.spec.ephemeralContainers)
      ? (pod.spec.ephemeralContainers as Container[]).map(maskContainer)
      : pod.spec.ephemeralContainers,
  };
  if (spec && spec.initContainers === undefined) delete spec.initContainers;
  if (spec && spec.ephemeralContainers === undefined) delete spec.ephemeralContainers;
  return maskDeep({ ...pod, metadata: { ...metadata, annotations }, spec });
}
