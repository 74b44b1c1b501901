/**
 * The Role and RoleBinding the sidecar needs (read-only pod inspection; see
 * docs/DEPLOY.md "Credentials"), printed by `inject` for the account each pod keeps.
 *
 * @module
 */

/** The Role's name, as in deploy/base/role.yaml. */
export const ROLE_NAME = "sidekernel-pod-reader";
/** The rules of the Role: those of deploy/base/role.yaml (tests check they match). */
export const SIDECAR_RULES = Object.freeze([
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
  { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["metrics.k8s.io"], resources: ["pods"], verbs: ["get", "list"] },
]);

/**
 * The Role {@link ROLE_NAME} and a RoleBinding of it to `account`, as YAML.
 *
 * @param account the ServiceAccount the sidecar acts as
 * @param namespace the namespace, when known (else `kubectl apply -n` sets it)
 * @example
 * ```ts
 * console.error(rbacYaml("jupyter-alice"));
 * ```
 */
export function rbacYaml(account: string, namespace?: string): string {
  const ns = namespace ? `\n  namespace: ${namespace}` : "";
  const rules = SIDECAR_RULES.map((r) =>
    `  - apiGroups: [${r.apiGroups.map((g) => `"${g}"`).join(", ")}]\n` +
    `    resources: [${r.resources.map((x) => `"${x}"`).join(", ")}]\n` +
    `    verbs: [${r.verbs.map((v) => `"${v}"`).join(", ")}]`
  ).join("\n");
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${ROLE_NAME}${ns}
rules:
${rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${ROLE_NAME}-${account}${ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${ROLE_NAME}
subjects:
  - kind: ServiceAccount
    name: ${account}${ns ? `\n    namespace: ${namespace}` : ""}
`;
}
