/**
 * Secrets never leave the pod tools: env values are shown as references,
 * literal values are masked, and the `last-applied-configuration` annotation
 * (a copy of the spec with its literal values) is dropped.
 *
 * @module
 */
import type { Container, EnvVar, Pod } from "./types.ts";

/** What a masked literal env value is shown as. */
export const MASKED = "<set>";
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
  return env.value === undefined || env.value === "" ? "<empty>" : MASKED;
}

function maskContainer(c: Container): Container {
  if (!c.env) return c;
  return {
    ...c,
    env: c.env.map((e) => (e.value === undefined ? e : { name: e.name, value: envSource(e) })),
  };
}

/**
 * Returns a copy of `pod` fit to show: no `managedFields`, literal env values
 * masked in every container kind, and no last-applied annotation.
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
  return { ...pod, metadata: { ...metadata, annotations }, spec };
}
