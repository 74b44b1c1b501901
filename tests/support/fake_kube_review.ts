/**
 * `SelfSubjectAccessReview` for the fake Kubernetes API: answers, from the
 * user's per-namespace rules, whether they may do a (verb, resource) — the
 * same rules the fake's GET routes enforce.
 *
 * @module
 */
import { type FakeKube, type FakeResource, type FakeUser, statusResponse } from "./fake_kube.ts";

const PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

interface ReviewBody {
  apiVersion?: string;
  kind?: string;
  spec?: {
    resourceAttributes?: {
      namespace?: string;
      verb?: string;
      group?: string;
      resource?: string;
      subresource?: string;
    };
  };
}

/**
 * Answers `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
 * A user's rule grants `get` and `list` (the fake has no other verbs).
 */
export function reviewRoute(user: FakeUser, url: URL, body: string): Response {
  if (url.pathname !== PATH) {
    return statusResponse(405, "MethodNotAllowed", "the server does not allow this method");
  }
  let review: ReviewBody;
  try {
    review = JSON.parse(body);
  } catch {
    return statusResponse(400, "BadRequest", "the body is not JSON");
  }
  const attrs = review.spec?.resourceAttributes;
  if (review.kind !== "SelfSubjectAccessReview" || !attrs?.resource || !attrs.verb) {
    return statusResponse(400, "BadRequest", "spec.resourceAttributes.{verb,resource} required");
  }
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const key = (attrs.group ? `${attrs.group}/${resource}` : resource) as FakeResource;
  const allowed = ["get", "list"].includes(attrs.verb) &&
    (user.rules[attrs.namespace ?? ""]?.includes(key) ?? false);
  return Response.json({
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { creationTimestamp: null },
    spec: review.spec,
    status: allowed
      ? { allowed: true, reason: `RBAC: allowed by RoleBinding of "${user.name}"` }
      : { allowed: false },
  }, { status: 201 });
}

/** Makes `kube` answer access reviews (see {@link reviewRoute}). */
export function enableAccessReview(kube: FakeKube): void {
  kube.postRoute = reviewRoute;
}
