/**
 * `admission.k8s.io/v1` AdmissionReview: the shapes kube-apiserver sends a
 * webhook and the answer it accepts, and a parser that checks a body
 * against them before anything reads it.
 *
 * The API server builds the request in `CreateV1AdmissionReview` and checks
 * the answer in `VerifyAdmissionResponse` (k8s.io/apiserver, package
 * `admission/plugin/webhook/request`): the answer must be an
 * `admission.k8s.io/v1` `AdmissionReview` whose `response.uid` is the
 * request's, and a `patch` needs `patchType: JSONPatch`.
 *
 * @module
 */

/** The only AdmissionReview version the webhook speaks (see docs/DEPLOY.md). */
export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

/** `metav1.GroupVersionKind`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** `metav1.GroupVersionResource`. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The operations an admission request can be for. */
export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/** `authenticationv1.UserInfo` of whoever made the API request. */
export interface AdmissionUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** `admissionv1.AdmissionRequest`, as the API server serializes it. */
export interface AdmissionRequest {
  /** Identifies this call; the response must carry it back. */
  uid: string;
  /** Type of the object sent (after `matchPolicy: Equivalent` conversion). */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  /** Empty for objects made from `generateName` (most controller-made pods). */
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: AdmissionUserInfo;
  /** The object being admitted, already defaulted by the API server. */
  object?: unknown;
  /** `null` for CREATE. */
  oldObject?: unknown;
  /** The API request will not be persisted (`kubectl --dry-run=server`). */
  dryRun?: boolean;
  /** e.g. `{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}`. */
  options?: unknown;
}

/** `metav1.Status`, shown to the user when a request is denied. */
export interface AdmissionStatus {
  code: number;
  message: string;
  reason?: string;
}

/** `admissionv1.AdmissionResponse`. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** Base64 of a JSON array of RFC 6902 operations. */
  patch?: string;
  patchType?: "JSONPatch";
  /** Shown by kubectl as `Warning: …` lines. */
  warnings?: string[];
}

/** An `admission.k8s.io/v1` AdmissionReview carrying a request. */
export interface AdmissionReviewRequest {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  request: AdmissionRequest;
}

/** An `admission.k8s.io/v1` AdmissionReview carrying a response. */
export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** The body is not an AdmissionReview the webhook can answer: HTTP 400 with this message. */
export class InvalidReviewError extends Error {
  /** Creates the error; `message` says what was wanted and what was found. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidReviewError";
  }
}

const OPERATIONS: readonly AdmissionOperation[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

/**
 * Parses and checks an AdmissionReview body.
 *
 * Only the envelope is checked here (version, kind, `request.uid`, the
 * group/version/kind and operation fields); whether the webhook wants the
 * object is decided in mutate.ts.
 *
 * @throws {InvalidReviewError} when the body is not JSON, not an
 *   `admission.k8s.io/v1` AdmissionReview, or lacks a well-formed `request`
 * @example
 * ```ts
 * const review = parseAdmissionReview(await request.text());
 * review.request.uid; // "705ab4f5-6393-11e8-b7cc-42010a800002"
 * ```
 */
export function parseAdmissionReview(text: string): AdmissionReviewRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidReviewError(`the body is not JSON (${detail}); send an AdmissionReview`, {
      cause: error,
    });
  }
  if (!isObject(body)) {
    throw new InvalidReviewError(`wanted an AdmissionReview object, found ${describe(body)}`);
  }
  if (body.kind !== "AdmissionReview") {
    throw new InvalidReviewError(
      `wanted kind "AdmissionReview", found ${describe(body.kind)}`,
    );
  }
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    throw new InvalidReviewError(
      `wanted apiVersion "${ADMISSION_API_VERSION}", found ${describe(body.apiVersion)}; ` +
        `set admissionReviewVersions: ["v1"] in the MutatingWebhookConfiguration`,
    );
  }
  const request = body.request;
  if (!isObject(request)) {
    throw new InvalidReviewError(`wanted a "request" object, found ${describe(request)}`);
  }
  if (typeof request.uid !== "string" || request.uid === "") {
    throw new InvalidReviewError(
      `wanted a non-empty "request.uid", found ${describe(request.uid)}`,
    );
  }
  for (const field of ["kind", "resource"] as const) {
    const value = request[field];
    const keys = field === "kind" ? ["group", "version", "kind"] : ["group", "version", "resource"];
    if (!isObject(value) || keys.some((k) => typeof value[k] !== "string")) {
      throw new InvalidReviewError(
        `wanted "request.${field}" with string fields ${keys.join(", ")}, found ${describe(value)}`,
      );
    }
  }
  if (!OPERATIONS.includes(request.operation as AdmissionOperation)) {
    throw new InvalidReviewError(
      `wanted "request.operation" of ${OPERATIONS.join(", ")}, found ${
        describe(request.operation)
      }`,
    );
  }
  for (const field of ["name", "namespace", "subResource"] as const) {
    if (request[field] !== undefined && typeof request[field] !== "string") {
      throw new InvalidReviewError(
        `wanted "request.${field}" to be a string, found ${describe(request[field])}`,
      );
    }
  }
  if (request.dryRun !== undefined && typeof request.dryRun !== "boolean") {
    throw new InvalidReviewError(
      `wanted "request.dryRun" to be a boolean, found ${describe(request.dryRun)}`,
    );
  }
  const userInfo = isObject(request.userInfo) ? request.userInfo : {};
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: "AdmissionReview",
    request: { ...request, userInfo } as unknown as AdmissionRequest,
  };
}

/** Wraps a response in the AdmissionReview envelope the API server expects. */
export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.length > 60 ? value.slice(0, 60) + "…" : value}"`;
  if (typeof value === "object") return "an object without the expected fields";
  return `${typeof value} ${String(value)}`;
}
