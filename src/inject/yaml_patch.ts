/**
 * Applies JSON Patch operations to a YAML Document's node tree, so only the
 * nodes that change are re-created: comments, key order, quoting and flow style
 * of everything else are kept.
 *
 * @module
 */
import { type Document, isMap, isScalar, isSeq } from "yaml";
import { type JsonPatchOp, parsePointer } from "./json_patch.ts";

/** A patch path that does not exist in the YAML (an alias or a changed shape). */
export class YamlPatchError extends Error {
  /** Creates the error naming the path. */
  constructor(path: string, detail: string) {
    super(`cannot edit "${path}" in the YAML: ${detail}`);
    this.name = "YamlPatchError";
  }
}

/**
 * Applies `ops` to `doc` in place.
 *
 * @throws {YamlPatchError} when a path's parent is not a mapping or sequence node
 * @example
 * ```ts
 * applyYamlPatch(doc, diffJsonPatch(doc.toJS(), changed));
 * ```
 */
export function applyYamlPatch(doc: Document, ops: JsonPatchOp[]): void {
  for (const op of ops) {
    const segments = parsePointer(op.path);
    if (segments.length === 0) {
      if (op.op === "remove") throw new YamlPatchError(op.path, "cannot remove the document");
      doc.contents = doc.createNode(op.value);
      continue;
    }
    const last = segments[segments.length - 1];
    const parentPath = segments.slice(0, -1);
    const parent = parentPath.length === 0 ? doc.contents : doc.getIn(keys(doc, parentPath), true);
    if (isSeq(parent)) {
      const index = last === "-" ? parent.items.length : Number(last);
      if (op.op === "add") parent.items.splice(index, 0, doc.createNode(op.value));
      else if (op.op === "replace") parent.items[index] = doc.createNode(op.value);
      else parent.items.splice(index, 1);
    } else if (isMap(parent)) {
      if (op.op === "remove") parent.delete(last);
      else if (op.op === "replace" && isScalar(parent.get(last, true))) {
        const node = parent.get(last, true);
        if (isScalar(node) && typeof op.value !== "object") node.value = op.value;
        else parent.set(last, doc.createNode(op.value));
      } else parent.set(last, doc.createNode(op.value));
    } else {
      throw new YamlPatchError(op.path, "its parent is not a mapping or a sequence");
    }
  }
}

/** Pointer segments → keys for `getIn` (sequence indexes as numbers). */
function keys(doc: Document, segments: string[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const s of segments) {
    const node = out.length === 0 ? doc.contents : doc.getIn(out, true);
    out.push(isSeq(node) ? Number(s) : s);
  }
  return out;
}
