/**
 * `sidekernel doctor --help`.
 *
 * @module
 */

/** The text of `sidekernel doctor --help`. */
export const DOCTOR_HELP = `Usage: sidekernel doctor [serve flags]

Checks what "sidekernel serve" with the same flags would need, and prints one
table with a fix under every row that is not ok:

  workspace          exists and is writable
  python             (local, subprocess executor) --python runs print(1+1)
  local kernel       (local executor) the driver starts, keeps x = 1 + 1, shows x
  jupyter server     (jupyter executor) GET /api answers
  jupyter token      GET /api/kernelspecs is accepted
  jupyter kernel     a kernel starts, runs 1+1, and is deleted
  kubernetes config  a kubeconfig or in-cluster service account exists
  kubernetes api     the API server answers with these credentials
  namespace          the own namespace (and every --namespace)
  <verb> <resource>  each right the pod tools use, per namespace
                     (SelfSubjectAccessReview: a question, nothing is written)

Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 a bad flag.
Flags: see "sidekernel serve --help".

Examples:
  sidekernel doctor --jupyter-url http://127.0.0.1:8888 --jupyter-token-file /var/run/secrets/jupyter/token
  kubectl exec deploy/agent -c sidekernel -- sidekernel doctor --jupyter-url http://127.0.0.1:8888 \\
    --jupyter-token-file /var/run/secrets/jupyter/token
`;
