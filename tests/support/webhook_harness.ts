/**
 * Helpers for the admission webhook tests: AdmissionReviews from
 * tests/testdata/admission/, an in-process handler, and the patch of an
 * answer applied with a well-kept RFC 6902 library (fast-json-patch), the
 * way the API server applies it.
 *
 * @module
 */
import jsonpatch, { type Operation } from "fast-json-patch";
import { parse } from "yaml";
import { DEFAULT_INJECT_OPTIONS, type InjectOptions } from "../../src/inject/core.ts";
import { createLogger, type Logger } from "../../src/obs/log.ts";
import { createWebhookHandler, type Handler } from "../../src/webhook/handler.ts";
import { createWebhookMetrics, type WebhookMetrics } from "../../src/webhook/metrics.ts";
import { ROOT } from "./server.ts";

/** A plain JSON object. */
export type Obj = Record<string, unknown>;

/** An AdmissionReview from tests/testdata/admission/NAME.yaml, as plain JSON. */
export function loadReview(name: string): Obj {
  return parse(Deno.readTextFileSync(`${ROOT}/tests/testdata/admission/${name}.yaml`));
}

/** A Pod CREATE review around `pod`, shaped like pod_create_job.yaml. */
export function reviewFor(pod: unknown, request: Obj = {}): Obj {
  const base = loadReview("pod_create_job");
  const req = base.request as Obj;
  return { ...base, request: { ...req, uid: crypto.randomUUID(), object: pod, ...request } };
}

/** The in-process handler, its metrics and the log lines it wrote. */
export interface InProcess {
  handle: Handler;
  metrics: WebhookMetrics;
  logs: string[];
}

/** Creates the webhook's handler in-process. */
export function inProcess(inject: InjectOptions = DEFAULT_INJECT_OPTIONS): InProcess {
  const logs: string[] = [];
  const logger: Logger = createLogger("debug", (line) => logs.push(line));
  const metrics = createWebhookMetrics();
  return { handle: createWebhookHandler({ inject, metrics, logger }), metrics, logs };
}

/** POSTs `body` (an object is sent as JSON) to /mutate. */
export function mutateRequest(body: unknown, headers: HeadersInit = {}): Request {
  return new Request("https://webhook.test/mutate", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The `response` of an AdmissionReview answer. */
export interface ReviewAnswer {
  uid: string;
  allowed: boolean;
  patch?: string;
  patchType?: string;
  warnings?: string[];
  status?: { code: number; message: string; reason?: string };
}

/** Sends a review through `handle`, checks the envelope, returns its `response`. */
export async function review(handle: Handler, body: unknown): Promise<ReviewAnswer> {
  const res = await handle(mutateRequest(body));
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return envelope(text);
}

/** Checks an AdmissionReview answer the way the API server does, returns its `response`. */
export function envelope(text: string): ReviewAnswer {
  const answer = JSON.parse(text);
  if (answer.apiVersion !== "admission.k8s.io/v1" || answer.kind !== "AdmissionReview") {
    throw new Error(`not an admission.k8s.io/v1 AdmissionReview: ${text.slice(0, 200)}`);
  }
  const response = answer.response as ReviewAnswer;
  if ((response.patch === undefined) !== (response.patchType === undefined)) {
    throw new Error("patch and patchType must come together");
  }
  return response;
}

/** The decoded JSON Patch of an answer (empty when it has none). */
export function patchOf(response: ReviewAnswer): Operation[] {
  if (!response.patch) return [];
  const bytes = Uint8Array.from(atob(response.patch), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * `object` with the answer's patch applied by fast-json-patch (validating every
 * operation against the document, as the API server's json-patch does).
 */
export function applyAnswer(object: unknown, response: ReviewAnswer): unknown {
  const copy = jsonpatch.deepClone(object);
  return jsonpatch.applyPatch(copy, patchOf(response), true, true).newDocument;
}
