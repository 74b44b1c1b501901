/**
 * RFC 6902 JSON Patch between two plain JSON values: what `inject -f` applies to
 * the YAML node tree (so untouched parts keep their formatting) and what an
 * admission webhook returns. Arrays are aligned on equal elements, so an element
 * inserted in the middle is one `add`, not a run of `replace`s.
 *
 * @module
 */

/** A JSON value as `JSON.parse` returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** One RFC 6902 operation (only the three a diff needs). */
export type JsonPatchOp =
  | { op: "add"; path: string; value: Json }
  | { op: "replace"; path: string; value: Json }
  | { op: "remove"; path: string };

/** A patch cannot be applied: its path does not exist in the document. */
export class JsonPatchError extends Error {
  /** The path at fault. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, detail: string) {
    super(`JSON Patch path "${path}": ${detail}`);
    this.name = "JsonPatchError";
    this.path = path;
  }
}

/**
 * The operations that turn `before` into `after`, applied in order.
 *
 * @example
 * ```ts
 * diffJsonPatch({ a: [1, 3] }, { a: [1, 2, 3] }); // [{ op: "add", path: "/a/1", value: 2 }]
 * ```
 */
export function diffJsonPatch(before: Json, after: Json): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  diffValue("", before, after, ops);
  return ops;
}

/** Escapes one path segment (`~` → `~0`, `/` → `~1`). */
export function escapePointer(segment: string | number): string {
  return String(segment).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Splits a JSON Pointer into its unescaped segments. */
export function parsePointer(path: string): string[] {
  if (path === "") return [];
  return path.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/**
 * Applies `ops` to a copy of `doc` and returns it (`doc` is not changed).
 *
 * @throws {JsonPatchError} when a path does not exist
 */
export function applyJsonPatch(doc: Json, ops: JsonPatchOp[]): Json {
  let root = structuredClone(doc);
  for (const op of ops) {
    const segments = parsePointer(op.path);
    if (segments.length === 0) {
      if (op.op === "remove") throw new JsonPatchError(op.path, "cannot remove the root");
      root = structuredClone(op.value);
      continue;
    }
    const last = segments[segments.length - 1];
    let parent: Json = root;
    for (const s of segments.slice(0, -1)) {
      const next: Json | undefined = child(parent, s);
      if (next === undefined) throw new JsonPatchError(op.path, `no "${s}"`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      const max = op.op === "add" ? parent.length : parent.length - 1;
      if (!Number.isInteger(index) || index < 0 || index > max) {
        throw new JsonPatchError(op.path, `index ${last} is out of range`);
      }
      if (op.op === "add") parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === "replace") parent[index] = structuredClone(op.value);
      else parent.splice(index, 1);
    } else if (parent !== null && typeof parent === "object") {
      if (op.op !== "add" && !Object.hasOwn(parent, last)) {
        throw new JsonPatchError(op.path, `no "${last}"`);
      }
      if (op.op === "remove") delete parent[last];
      else parent[last] = structuredClone(op.value);
    } else {
      throw new JsonPatchError(op.path, "parent is not an object or array");
    }
  }
  return root;
}

function child(parent: Json, segment: string): Json | undefined {
  if (Array.isArray(parent)) return parent[Number(segment)];
  if (parent !== null && typeof parent === "object" && Object.hasOwn(parent, segment)) {
    return parent[segment];
  }
  return undefined;
}

function isObject(v: Json): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function diffValue(path: string, a: Json, b: Json, ops: JsonPatchOp[]): void {
  if (jsonEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) ops.push({ op: "remove", path: `${path}/${escapePointer(key)}` });
    }
    for (const key of Object.keys(b)) {
      const at = `${path}/${escapePointer(key)}`;
      if (Object.hasOwn(a, key)) diffValue(at, a[key], b[key], ops);
      else ops.push({ op: "add", path: at, value: b[key] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    diffArray(path, a, b, ops);
    return;
  }
  ops.push({ op: "replace", path, value: b });
}

/**
 * Aligns equal elements (longest common subsequence), then, in each gap between
 * them, pairs elements of the same identity (objects with the same `name`, or
 * two unnamed values) and diffs those in place; the rest are removed or added.
 */
function diffArray(path: string, a: Json[], b: Json[], ops: JsonPatchOp[]): void {
  const anchors = align(a, b, jsonEqual);
  anchors.push([a.length, b.length]);
  let ai = 0;
  let bj = 0;
  let k = 0; // index in the array as patched so far
  for (const [i, j] of anchors) {
    const gapA = a.slice(ai, i);
    const gapB = b.slice(bj, j);
    const pairs = align(gapA, gapB, sameIdentity);
    pairs.push([gapA.length, gapB.length]);
    let x = 0;
    let y = 0;
    for (const [p, q] of pairs) {
      for (; x < p; x++) ops.push({ op: "remove", path: `${path}/${k}` });
      for (; y < q; y++) ops.push({ op: "add", path: `${path}/${k++}`, value: gapB[y] });
      if (p < gapA.length) diffValue(`${path}/${k++}`, gapA[p], gapB[q], ops);
      x = p + 1;
      y = q + 1;
    }
    if (i < a.length) k++;
    ai = i + 1;
    bj = j + 1;
  }
}

/**
 * The pairs of a longest common subsequence of `a` and `b` under `same`. The
 * common head and tail are matched first, so the quadratic table covers only
 * the changed middle: an injection that appends to a list of thousands stays linear.
 */
function align(a: Json[], b: Json[], same: (x: Json, y: Json) => boolean): [number, number][] {
  let head = 0;
  while (head < a.length && head < b.length && same(a[head], b[head])) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    same(a[a.length - 1 - tail], b[b.length - 1 - tail])
  ) tail++;
  const pairs: [number, number][] = [];
  for (let i = 0; i < head; i++) pairs.push([i, i]);
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const n = midA.length;
  const m = midB.length;
  if (n > 0 && m > 0) {
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = same(midA[i], midB[j])
          ? lcs[i + 1][j + 1] + 1
          : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    for (let i = 0, j = 0; i < n && j < m;) {
      if (same(midA[i], midB[j])) pairs.push([head + i++, head + j++]);
      else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
      else j++;
    }
  }
  for (let t = tail; t > 0; t--) pairs.push([a.length - t, b.length - t]);
  return pairs;
}

/** Two array elements are "the same thing changed" when their `name`s agree. */
function sameIdentity(x: Json, y: Json): boolean {
  const name = (v: Json) => isObject(v) && typeof v.name === "string" ? v.name : undefined;
  if (isObject(x) && isObject(y)) return name(x) === name(y);
  return !isObject(x) && !isObject(y) && typeof x === typeof y;
}
