/**
 * First cut of the injection of one pod spec (replaced by detection next).
 *
 * @module
 */
import type { InjectPodResult, WorkloadKind } from "./core.ts";
import type { InjectOptions } from "./flags.ts";
import type { Json, JsonObject } from "./json_patch.ts";

/** Adds the sidecar to `pod` (already a private copy). */
export function injectPodSpec(
  pod: JsonObject,
  options: InjectOptions,
  _target: WorkloadKind,
): InjectPodResult {
  const spec = pod.spec as JsonObject;
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.some((c) => (c as JsonObject)?.name === "sidekernel")) {
    return { kind: "unchanged", reason: "already-injected", message: "", notes: [] };
  }
  const port = options.port ?? 8000;
  const sidecar: Json = {
    name: "sidekernel",
    image: options.image,
    restartPolicy: "Always",
    args: ["serve", "--host", "0.0.0.0", "--port", String(port)],
    ports: [{ name: "mcp", containerPort: port, protocol: "TCP" }],
  };
  const init = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  spec.initContainers = [...init, sidecar];
  const account = (spec.serviceAccountName as string | undefined) ?? "default";
  return { kind: "injected", pod, notes: ["added the sidecar"], serviceAccount: account };
}
