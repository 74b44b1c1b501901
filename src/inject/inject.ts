/**
 * Text in, text out: YAML (one or more documents) or JSON, with the sidecar
 * added to every pod (template) found. The pure core runs on each document's
 * plain JSON; the before/after difference is applied as JSON Patch to the YAML
 * node tree, so untouched documents are byte-identical and changed ones keep
 * their comments. JSON stays JSON (same indentation); CRLF stays CRLF.
 *
 * @module
 */
import { LineCounter, parseAllDocuments } from "yaml";
import { injectPod, type InjectPodResult, type WorkloadKind } from "./core.ts";
import type { InjectOptions } from "./flags.ts";
import { diffJsonPatch, type Json, type JsonObject } from "./json_patch.ts";
import { type Obj, obj, str } from "./shape.ts";
import { applyYamlPatch, YamlPatchError } from "./yaml_patch.ts";

/** The input cannot be used: invalid YAML/JSON, empty, or a workload without a pod spec. */
export class InjectInputError extends Error {
  /** Creates the error; the message names the document and line. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InjectInputError";
  }
}

/** One pod (template) found, and what happened to it. */
export interface PodOutcome {
  /** 1-based document number. */
  document: number;
  /** `Deployment "notebook"`, `Pod (generateName "jupyter-")`. */
  label: string;
  /** Namespace of the object, when it names one. */
  namespace?: string;
  /** The core's answer. */
  result: InjectPodResult;
}

/** The result of {@link injectText}. */
export interface InjectTextResult {
  /** The whole output. */
  output: string;
  /** One entry per pod (template) found. */
  outcomes: PodOutcome[];
  /** Documents holding no pod, with why (`Secret "x"`), for the summary. */
  ignored: string[];
}

/** Where the pod template sits, per kind, and the API group the kind must come from. */
const POD_PATHS: Record<WorkloadKind, { group: string; path: string[] }> = {
  Pod: { group: "", path: [] },
  Deployment: { group: "apps", path: ["spec", "template"] },
  StatefulSet: { group: "apps", path: ["spec", "template"] },
  DaemonSet: { group: "apps", path: ["spec", "template"] },
  ReplicaSet: { group: "apps", path: ["spec", "template"] },
  ReplicationController: { group: "", path: ["spec", "template"] },
  Job: { group: "batch", path: ["spec", "template"] },
  CronJob: { group: "batch", path: ["spec", "jobTemplate", "spec", "template"] },
};

/**
 * Adds the sidecar to every pod in `text`. Idempotent.
 *
 * @throws {InjectInputError} naming the document and line of unusable input
 * @example
 * ```ts
 * const { output, outcomes } = injectText(Deno.readTextFileSync("pod.yaml"), options);
 * ```
 */
export function injectText(text: string, options: InjectOptions): InjectTextResult {
  if (text.trim() === "") throw new InjectInputError("the input is empty: give a pod manifest");
  return /^\s*[[{]/.test(text) ? injectJson(text, options) : injectYaml(text, options);
}

function injectJson(text: string, options: InjectOptions): InjectTextResult {
  let before: Json;
  try {
    before = JSON.parse(text);
  } catch (e) {
    throw new InjectInputError(`invalid JSON: ${e instanceof Error ? e.message : e}`, {
      cause: e,
    });
  }
  const walked = walk(before, 1, options);
  if (!walked.outcomes.some((o) => o.result.kind === "injected")) {
    return { output: text, outcomes: walked.outcomes, ignored: walked.ignored };
  }
  const indent = /^[{[]\s*?\n([ \t]+)\S/.exec(text.trimStart())?.[1] ?? "";
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let output = JSON.stringify(walked.after, null, indent);
  output = (text.endsWith("\n") ? `${output}\n` : output).replaceAll("\n", eol);
  return { output, outcomes: walked.outcomes, ignored: walked.ignored };
}

function injectYaml(text: string, options: InjectOptions): InjectTextResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) throw new InjectInputError("the input holds no YAML document");
  docs.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
      const detail = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new InjectInputError(`document ${i + 1}, line ${line}: ${detail}`, { cause: error });
    }
  });
  const outcomes: PodOutcome[] = [];
  const ignored: string[] = [];
  let output = "";
  docs.forEach((doc, i) => {
    let before: Json;
    try {
      before = doc.toJS({ maxAliasCount: 100 }) as Json;
    } catch (e) {
      // npm:yaml refuses alias expansion past maxAliasCount (a "billion laughs" document).
      const detail = e instanceof Error ? e.message : String(e);
      throw new InjectInputError(`document ${i + 1}: ${detail}`, { cause: e });
    }
    const walked = walk(before, i + 1, options);
    outcomes.push(...walked.outcomes);
    ignored.push(...walked.ignored);
    // Segment i runs from the end of document i-1 to the end of document i, so
    // comments between documents belong to the next one (as npm:yaml attaches them).
    const start = i === 0 ? 0 : docs[i - 1].range[2];
    const end = i + 1 < docs.length ? doc.range[2] : text.length;
    const source = text.slice(start, end);
    if (!walked.outcomes.some((o) => o.result.kind === "injected")) {
      output += source;
      return;
    }
    try {
      applyYamlPatch(doc, diffJsonPatch(before, walked.after));
    } catch (e) {
      if (!(e instanceof YamlPatchError)) throw e;
      throw new InjectInputError(`document ${i + 1}: ${e.message}`, { cause: e });
    }
    // Print sequences the way this document wrote them ("key:\n- a" or "key:\n  - a").
    const indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1- /m.test(source);
    let printed = doc.toString({ indentSeq, flowCollectionPadding: false, lineWidth: 0 });
    const trailing = /(\r?\n)*$/.exec(source)?.[0] ?? "";
    printed = printed.replace(/\n*$/, "") + trailing.replaceAll("\r", "");
    output += source.includes("\r\n") ? printed.replaceAll("\n", "\r\n") : printed;
  });
  return { output, outcomes, ignored };
}

/** Finds the pods in one parsed document (a `List` item by item) and injects each. */
function walk(
  value: Json,
  document: number,
  options: InjectOptions,
): { after: Json; outcomes: PodOutcome[]; ignored: string[] } {
  const outcomes: PodOutcome[] = [];
  const ignored: string[] = [];
  const visit = (node: Json): Json => {
    const o = obj(node);
    if (!o) {
      ignored.push(`document ${document}: not a Kubernetes object`);
      return node;
    }
    const kind = str(o.kind) ?? "";
    const label = labelOf(o);
    if (kind === "List" || kind.endsWith("List")) {
      if (!Array.isArray(o.items)) return node;
      return { ...o, items: o.items.map((item) => visit(item as Json)) } as Json;
    }
    const where = Object.hasOwn(POD_PATHS, kind) ? POD_PATHS[kind as WorkloadKind] : undefined;
    const apiVersion = str(o.apiVersion) ?? "";
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    if (!where || group !== where.group) {
      ignored.push(`document ${document}: ${label} holds no pod`);
      return node;
    }
    let template: Obj | undefined = o;
    for (const k of where.path) template = obj(template?.[k]);
    if (!template || !obj(template.spec) || !Array.isArray(obj(template.spec)?.containers)) {
      const at = [...where.path, "spec", "containers"].join(".");
      throw new InjectInputError(
        `document ${document}: ${label} has no ${at} list, so it is not a valid ${kind}`,
      );
    }
    const result = injectPod(template, options, kind as WorkloadKind);
    const namespace = str(obj(o.metadata)?.namespace);
    outcomes.push({ document, label, namespace, result });
    if (result.kind !== "injected") return node;
    return replaceAt(o, where.path, result.pod);
  };
  return { after: visit(value), outcomes, ignored };
}

function replaceAt(o: Obj, path: string[], pod: JsonObject): Json {
  if (path.length === 0) return pod;
  const [head, ...rest] = path;
  return { ...o, [head]: replaceAt(obj(o[head]) ?? {}, rest, pod) } as Json;
}

function labelOf(o: Obj): string {
  const kind = str(o.kind) ?? "object";
  const meta = obj(o.metadata);
  const name = str(meta?.name);
  if (name) return `${kind} "${name}"`;
  const generate = str(meta?.generateName);
  return generate ? `${kind} (generateName "${generate}")` : kind;
}
