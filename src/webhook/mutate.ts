/**
 * The decision for one admission request: which pods the webhook changes,
 * and how it answers when it cannot (docs/DEPLOY.md, "Automatic injection").
 *
 * - A Pod CREATE goes through the same injection core as `sidekernel
 *   inject`; the answer is the JSON Patch from the pod the API server sent to
 *   the core's result, with the core's notes as `warnings`.
 * - A pod that cannot be injected is admitted unchanged with a warning that
 *   says why, unless it asks for the sidecar strictly
 *   (`sidekernel.dev/inject: "required"`): then it is denied with the reason.
 * - A review for anything but a Pod is denied with what the webhook's rules
 *   should say; operations other than CREATE pass unchanged with a warning.
 * - Nothing here has side effects, so `dryRun` reviews are answered alike.
 *
 * @module
 */
import {
  diffJsonPatch,
  type InjectOptions,
  injectPod,
  type InjectPodResult,
  type Json,
} from "../inject/core.ts";
import { type AdmissionRequest, type AdmissionResponse, isObject } from "./review.ts";
import { base64, warnings } from "./warnings.ts";

/** The annotation and label that opt a pod in or out, and its strict value. */
export const INJECT_KEY = "sidekernel.dev/inject";
/** `sidekernel.dev/inject: "required"`: deny the pod rather than admit it without the sidecar. */
export const REQUIRED = "required";

/** How a review ended, the `outcome` label of the webhook's metrics. */
export type ReviewOutcome =
  | "injected"
  | "unchanged"
  | "skipped"
  | "denied"
  | "rejected"
  | "error";

/** Every {@link ReviewOutcome}, for metrics and docs. */
export const REVIEW_OUTCOMES: readonly ReviewOutcome[] = [
  "injected",
  "unchanged",
  "skipped",
  "denied",
  "rejected",
  "error",
];

/** The answer to one admission request and what to record about it. */
export interface Decision {
  response: AdmissionResponse;
  outcome: ReviewOutcome;
  /** The core's reason (`already-injected`, `no-jupyter`, …) or the webhook's own. */
  reason?: string;
  /** Number of JSON Patch operations sent. */
  operations: number;
}

/** What {@link decide} needs. */
export interface DecideOptions {
  /** The injection flags the webhook was started with (pod annotations override them). */
  inject: InjectOptions;
}

/**
 * Longest list (containers, env, volumes, …) a pod may have to be injected.
 * The patch aligns lists element by element, so its cost grows with their
 * square; real pods stay far below this, and the bound keeps one review from
 * holding the webhook for seconds.
 */
export const MAX_LIST_LENGTH = 1000;

/**
 * Decides the answer to one admission request. Never throws: a failure of the
 * injection core itself becomes an `error` outcome that admits the pod
 * unchanged with a warning (or denies it, for a `required` pod).
 *
 * @example
 * ```ts
 * const { response } = decide(review.request, { inject: DEFAULT_INJECT_OPTIONS });
 * response.patchType; // "JSONPatch" when the sidecar was added
 * ```
 */
export function decide(request: AdmissionRequest, options: DecideOptions): Decision {
  const uid = request.uid;
  const { kind, resource } = request;
  const isPod = kind.group === "" && kind.version === "v1" && kind.kind === "Pod" &&
    resource.resource === "pods" && !request.subResource;
  if (!isPod) {
    const what = `${kind.group ? `${kind.group}/` : ""}${kind.version} ${kind.kind}` +
      ` (resource "${resource.resource}${request.subResource ? `/${request.subResource}` : ""}")`;
    return deny(
      uid,
      "rejected",
      "not-a-pod",
      400,
      "BadRequest",
      `the sidekernel webhook mutates Pods only, and this review is for ${what}; ` +
        `its MutatingWebhookConfiguration rules should match only CREATE of "pods" in API group ""`,
    );
  }
  if (request.operation !== "CREATE") {
    return {
      response: {
        uid,
        allowed: true,
        warnings: warnings([
          `the sidekernel webhook adds its sidecar only when a pod is created; this ${request.operation} ` +
          `passed unchanged (its MutatingWebhookConfiguration rules should match CREATE only)`,
        ]),
      },
      outcome: "unchanged",
      reason: "not-create",
      operations: 0,
    };
  }
  const pod = request.object;
  if (!isObject(pod) || !isObject(pod.spec)) {
    return deny(
      uid,
      "rejected",
      "no-object",
      400,
      "BadRequest",
      `the review's "request.object" is not a Pod with a "spec"; nothing to admit`,
    );
  }
  const required = annotation(pod, INJECT_KEY) === REQUIRED;
  const longest = longestList(pod);
  if (longest.length > MAX_LIST_LENGTH) {
    const message = `the pod has a list of ${longest.length} entries at "${longest.path}"; ` +
      `the webhook injects only pods whose lists have at most ${MAX_LIST_LENGTH}`;
    if (required) {
      return deny(
        uid,
        "denied",
        "too-large",
        403,
        "Forbidden",
        `the sidekernel sidecar was not added: ${message}`,
      );
    }
    return {
      response: {
        uid,
        allowed: true,
        warnings: warnings([`the sidecar was not added: ${message}`]),
      },
      outcome: "skipped",
      reason: "too-large",
      operations: 0,
    };
  }
  let result: InjectPodResult;
  try {
    result = injectPod(pod, options.inject, "Pod");
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const message = `the sidekernel sidecar could not be added: the injection failed (${detail})`;
    if (required) return deny(uid, "error", "internal", 500, "InternalError", message);
    return {
      response: { uid, allowed: true, warnings: warnings([`${message}; admitted unchanged`]) },
      outcome: "error",
      reason: "internal",
      operations: 0,
    };
  }
  if (result.kind === "injected") {
    const patch = diffJsonPatch(pod as Json, result.pod);
    const response: AdmissionResponse = { uid, allowed: true };
    if (patch.length > 0) {
      response.patchType = "JSONPatch";
      response.patch = base64(JSON.stringify(patch));
    }
    const sent = warnings(result.notes);
    if (sent.length > 0) response.warnings = sent;
    return { response, outcome: "injected", operations: patch.length };
  }
  if (result.kind === "unchanged") {
    const sent = warnings(result.notes);
    return {
      response: sent.length > 0 ? { uid, allowed: true, warnings: sent } : { uid, allowed: true },
      outcome: "unchanged",
      reason: result.reason,
      operations: 0,
    };
  }
  if (required) {
    return deny(
      uid,
      "denied",
      result.reason,
      403,
      "Forbidden",
      `the sidekernel sidecar was not added: ${result.message} (the pod's annotation ` +
        `${INJECT_KEY} is "${REQUIRED}", so it is refused rather than started without it)`,
    );
  }
  // Warnings already start with "sidekernel: ".
  const why = `the sidecar was not added: ${result.message}`;
  return {
    response: { uid, allowed: true, warnings: warnings([why, ...result.notes]) },
    outcome: "skipped",
    reason: result.reason,
    operations: 0,
  };
}

function deny(
  uid: string,
  outcome: ReviewOutcome,
  reason: string,
  code: number,
  statusReason: string,
  message: string,
): Decision {
  return {
    response: { uid, allowed: false, status: { code, message, reason: statusReason } },
    outcome,
    reason,
    operations: 0,
  };
}

/** The longest array anywhere in `value`, and its JSON Pointer (one linear walk). */
function longestList(value: unknown): { length: number; path: string } {
  let best = { length: 0, path: "" };
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (Array.isArray(node)) {
      if (node.length > best.length) best = { length: node.length, path: path || "/" };
      node.forEach((item, i) => stack.push([item, `${path}/${i}`]));
    } else if (isObject(node)) {
      for (const [key, item] of Object.entries(node)) {
        stack.push([item, `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`]);
      }
    }
  }
  return best;
}

function annotation(pod: Record<string, unknown>, key: string): string | undefined {
  const metadata = pod.metadata;
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  const value = metadata.annotations[key];
  return typeof value === "string" ? value : undefined;
}
