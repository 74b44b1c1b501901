/**
 * Multi-document YAML in, the same YAML with the sidecar added out. Documents
 * that do not change are copied byte for byte; changed ones are re-printed by
 * npm:yaml's Document API, which keeps their comments.
 *
 * @module
 */
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import type { InjectOptions } from "./options.ts";
import { injectObject, type InjectOutcome, InjectTargetError } from "./pod_spec.ts";

/** The input is not valid YAML, or a known kind cannot take the sidecar. */
export class InjectYamlError extends Error {
  /** 1-based number of the document at fault. */
  readonly document: number;
  /** 1-based line in the whole input. */
  readonly line: number;
  /** Creates the error; the message names the document and line. */
  constructor(document: number, line: number, detail: string, options?: ErrorOptions) {
    super(`document ${document}, line ${line}: ${detail}`, options);
    this.name = "InjectYamlError";
    this.document = document;
    this.line = line;
  }
}

/** The result of {@link injectYaml}. */
export interface InjectResult {
  /** The whole output stream. */
  output: string;
  /** One entry per object found, with its 1-based document number. */
  outcomes: (InjectOutcome & { document: number })[];
}

/**
 * Adds the sidecar to every Pod, Deployment, StatefulSet, DaemonSet, Job,
 * CronJob (and those inside a `List`) in `text`. Idempotent.
 *
 * @param text one or more YAML documents
 * @throws {InjectYamlError} naming the document and line of invalid YAML or an unusable object
 * @example
 * ```ts
 * const { output } = injectYaml(Deno.readTextFileSync("pod.yaml"), options);
 * ```
 */
export function injectYaml(text: string, options: InjectOptions): InjectResult {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, keepSourceTokens: false });
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  docs.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
      const detail = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new InjectYamlError(i + 1, line, detail, { cause: error });
    }
  });
  const outcomes: InjectResult["outcomes"] = [];
  let output = "";
  docs.forEach((doc, i) => {
    let found: InjectOutcome[];
    try {
      found = injectObject(doc, doc.contents, options);
    } catch (e) {
      if (!(e instanceof InjectTargetError)) throw e;
      throw new InjectYamlError(i + 1, lineCounter.linePos(e.offset).line, e.message, {
        cause: e,
      });
    }
    outcomes.push(...found.map((o) => ({ ...o, document: i + 1 })));
    // Segment i runs from the end of document i-1 to the end of document i, so
    // comments between documents belong to the next one (as npm:yaml attaches them).
    const start = i === 0 ? 0 : docs[i - 1].range[2];
    const end = i + 1 < docs.length ? doc.range[2] : text.length;
    const source = text.slice(start, end);
    if (!found.some((o) => o.kind === "injected")) {
      output += source;
      return;
    }
    // Print sequences the way this document wrote them ("key:\n- a" or "key:\n  - a").
    const indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(source);
    let printed = doc.toString({ indentSeq, flowCollectionPadding: false, lineWidth: 0 });
    // Keep what followed the document (blank lines, a trailing newline or its absence).
    const trailing = /\n*$/.exec(source)?.[0] ?? "";
    printed = printed.replace(/\n*$/, "") + (trailing || "");
    output += printed;
  });
  if (docs.length === 0) output = text;
  return { output, outcomes };
}
