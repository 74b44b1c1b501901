/**
 * Small readers for pod JSON: untyped input is checked where it is read, so the
 * rest of the injection code works on plain records without casts.
 *
 * @module
 */

/** A JSON object whose values are not yet checked. */
export type Obj = Record<string, unknown>;

/** `value` if it is a JSON object, else `undefined`. */
export function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Obj
    : undefined;
}

/** The objects in `value` if it is an array (other items dropped), else `[]`. */
export function objs(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj).filter((o): o is Obj => o !== undefined) : [];
}

/** `value` if it is a string, else `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The strings of an array (numbers as text), else `[]`. */
export function strs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v) => typeof v === "string" || typeof v === "number").map(String);
}

/** The array at `parent[key]`, created when absent. */
export function arrayAt(parent: Obj, key: string): unknown[] {
  const existing = parent[key];
  if (Array.isArray(existing)) return existing;
  const created: unknown[] = [];
  parent[key] = created;
  return created;
}

/** The object at `parent[key]`, created when absent. */
export function objectAt(parent: Obj, key: string): Obj {
  const existing = obj(parent[key]);
  if (existing) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

/** Where the kubelet mounts a pod's service-account token. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** True when `path` is `dir` or inside it (whole path segments). */
export function pathWithin(path: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, "");
  return d === "" || path === d || path.startsWith(`${d}/`);
}

/** Every container of a pod spec: init containers first, then containers. */
export function allContainers(spec: Obj): Obj[] {
  return [...objs(spec.initContainers), ...objs(spec.containers)];
}
