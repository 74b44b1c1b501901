/**
 * The one log line per MCP tool call: correlation ids, duration, outcome,
 * sizes. Code and output are summarised (length and sha256), never logged
 * verbatim unless the level is debug; client-sent ids are sanitised.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { CallToolResult } from "../mcp/sdk.ts";

/** What is known about a call when it ends. */
export interface CallFacts {
  tool: string;
  /** MCP session id (absent on stdio). */
  session?: string;
  /** JSON-RPC request id. */
  request?: string | number;
  /** HTTP headers of the request, when it came over HTTP. */
  headers?: Record<string, string | string[] | undefined>;
  args: Record<string, unknown>;
  result: CallToolResult;
  durationMs: number;
  outcome: "ok" | "error" | "timeout" | "cancelled";
}

/** Longest client-sent correlation id kept. */
const MAX_ID = 128;

/** Keeps printable ASCII only (no CR/LF, no control characters), at most 128 characters. */
export function cleanId(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const clean = text.replace(/[^\x20-\x7e]/g, "").slice(0, MAX_ID);
  return clean === "" ? undefined : clean;
}

/**
 * Builds the fields of the call's log line. Synchronous, because it runs
 * between a tool's result and its answer: `crypto.subtle.digest` is an
 * asynchronous operation and cost ~0.1 ms of every `python` call there
 * (docs/PERFORMANCE.md, "marks inside the server").
 *
 * @param verbose include the code and the output text (log level debug)
 */
export function callFields(facts: CallFacts, verbose: boolean): Record<string, unknown> {
  const text = facts.result.content
    .map((c) => (c.type === "text" ? c.text : ""))
    .join("");
  const fields: Record<string, unknown> = {
    tool: facts.tool,
    session: facts.session,
    request: facts.request,
    client_session: cleanId(facts.headers?.["x-session-id"]),
    client_request: cleanId(facts.headers?.["x-request-id"]),
    duration_ms: Math.round(facts.durationMs),
    outcome: facts.outcome,
    output_chars: text.length,
  };
  const code = facts.args.code;
  if (typeof code === "string") {
    fields.code_chars = code.length;
    fields.code_sha256 = createHash("sha256").update(code).digest("hex");
    if (verbose) fields.code = code;
  } else if (Object.keys(facts.args).length > 0) {
    // Pod tool arguments (namespace, name, selectors) are not secret and help operators.
    fields.args = facts.args;
  }
  if (verbose) fields.output = text.slice(0, 4000);
  return fields;
}
