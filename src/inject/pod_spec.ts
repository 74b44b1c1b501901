/**
 * Finds the pod specs inside one Kubernetes object (by kind) and adds the
 * sidecar to each, editing the YAML node tree in place so comments survive.
 *
 * @module
 */
import { type Document, isMap, isSeq, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import type { InjectOptions } from "./options.ts";
import { SIDECAR_NAME, sidecarContainer, tokenVolumes, workspaceVolume } from "./sidecar.ts";

/** Where the pod spec sits, per kind, and the API group the kind must come from. */
const POD_SPEC_PATHS: Record<string, { group: string; path: string[] }> = {
  Pod: { group: "", path: ["spec"] },
  Deployment: { group: "apps", path: ["spec", "template", "spec"] },
  StatefulSet: { group: "apps", path: ["spec", "template", "spec"] },
  DaemonSet: { group: "apps", path: ["spec", "template", "spec"] },
  Job: { group: "batch", path: ["spec", "template", "spec"] },
  CronJob: { group: "batch", path: ["spec", "jobTemplate", "spec", "template", "spec"] },
};

/** An object `inject` understands but cannot change (no containers, no named volume). */
export class InjectTargetError extends Error {
  /** Offset in the source of the node at fault, for the line number. */
  readonly offset: number;
  /** Creates the error. */
  constructor(message: string, offset: number) {
    super(message);
    this.name = "InjectTargetError";
    this.offset = offset;
  }
}

/** What happened to one object. */
export type InjectOutcome =
  | { kind: "injected"; label: string; notes: string[] }
  | { kind: "present"; label: string }
  | { kind: "skipped"; label: string; why: string };

/**
 * Adds the sidecar to every pod spec in `node` (a `List` is walked item by item).
 *
 * @param doc the document `node` belongs to (it creates the new nodes)
 * @throws {InjectTargetError} when a known kind lacks containers or the named workspace volume
 */
export function injectObject(
  doc: Document,
  node: unknown,
  options: InjectOptions,
): InjectOutcome[] {
  if (!isMap(node)) return [{ kind: "skipped", label: "a non-object", why: "not a mapping" }];
  const kind = scalar(node, "kind");
  const apiVersion = scalar(node, "apiVersion") ?? "";
  const name = scalar(node.get("metadata", true), "name") ?? "";
  const label = `${kind ?? "object"}${name ? ` "${name}"` : ""}`;
  if (kind === "List") {
    const items = node.get("items", true);
    if (!isSeq(items)) return [{ kind: "skipped", label, why: "no items" }];
    return items.items.flatMap((item) => injectObject(doc, item, options));
  }
  const target = kind === undefined ? undefined : POD_SPEC_PATHS[kind];
  if (!target) return [{ kind: "skipped", label, why: `kind ${kind ?? "(none)"} has no pod` }];
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  if (group !== target.group) {
    return [{ kind: "skipped", label, why: `apiVersion "${apiVersion}" is not Kubernetes' own` }];
  }
  const spec = node.getIn(target.path, true);
  if (!isMap(spec)) {
    throw new InjectTargetError(
      `${label} has no ${target.path.join(".")} mapping to add the sidecar to`,
      offsetOf(node),
    );
  }
  return [injectPodSpec(doc, spec, label, options)];
}

function injectPodSpec(
  doc: Document,
  spec: YAMLMap,
  label: string,
  options: InjectOptions,
): InjectOutcome {
  const containers = spec.get("containers", true);
  if (!isSeq(containers)) {
    throw new InjectTargetError(`${label} has no containers list`, offsetOf(spec));
  }
  if (containers.items.some((c) => isMap(c) && scalar(c, "name") === SIDECAR_NAME)) {
    return { kind: "present", label };
  }
  const notes: string[] = [];
  const existing = spec.get("volumes", true);
  if (existing !== undefined && !isSeq(existing)) {
    throw new InjectTargetError(`${label} has a "volumes" that is not a list`, offsetOf(spec));
  }
  let volumes: YAMLSeq;
  if (existing) {
    volumes = existing;
  } else {
    volumes = doc.createNode([]) as YAMLSeq;
    spec.set("volumes", volumes);
  }
  const volumeNames = new Set(
    volumes.items.map((v) => isMap(v) ? scalar(v, "name") : undefined).filter(Boolean),
  );
  const ws = options.workspaceVolume;
  if (!volumeNames.has(ws)) {
    if (options.workspaceVolumeGiven) {
      const known = [...volumeNames].map((n) => `"${n}"`).join(", ") || "none";
      throw new InjectTargetError(
        `${label} has no volume named "${ws}" (--workspace-volume); its volumes: ${known}`,
        offsetOf(volumes),
      );
    }
    volumes.add(doc.createNode(workspaceVolume(ws)));
    notes.push(
      `added an emptyDir volume "${ws}"; mount it at /workspace in the Jupyter container ` +
        `too so both see the same files`,
    );
  }
  for (const volume of tokenVolumes(options)) {
    if (!volumeNames.has(volume.name as string)) volumes.add(doc.createNode(volume));
  }
  containers.add(doc.createNode(sidecarContainer(options)));

  const automount = spec.get("automountServiceAccountToken");
  if (automount === true) {
    notes.push(
      `set automountServiceAccountToken to false (it was true): only the sidecar gets the ` +
        `service-account token`,
    );
  }
  spec.set("automountServiceAccountToken", false);
  const account = scalar(spec, "serviceAccountName") ?? scalar(spec, "serviceAccount");
  if (account === undefined) {
    spec.set("serviceAccountName", options.serviceAccount);
  } else if (account !== options.serviceAccount) {
    notes.push(
      `kept serviceAccountName "${account}": bind the sidekernel Role to it ` +
        `(deploy/ binds "${options.serviceAccount}")`,
    );
  }
  return { kind: "injected", label, notes };
}

function scalar(node: unknown, key: string): string | undefined {
  if (!isMap(node)) return undefined;
  const value = node.get(key);
  return typeof value === "string" ? value : undefined;
}

function offsetOf(node: unknown): number {
  return (node as Node | undefined)?.range?.[0] ?? 0;
}
