/**
 * `sidekernel webhook --help`.
 *
 * @module
 */

/** The text of `sidekernel webhook --help`. */
export const WEBHOOK_HELP =
  `Usage: sidekernel webhook --tls-cert-file FILE --tls-key-file FILE [flags]

A mutating admission webhook that adds the sidekernel sidecar to pods as they
are created, with the same injection as "sidekernel inject". HTTPS only.

  POST /mutate   AdmissionReview admission.k8s.io/v1 for a Pod CREATE; answers
                 with a JSONPatch, the injection notes as warnings (kubectl
                 prints them), or a denial for a pod annotated
                 sidekernel.dev/inject: "required" that cannot be injected
  GET /healthz   the process serves
  GET /readyz    ready for reviews (503 while shutting down)
  GET /metrics   reviews by outcome, review latency, certificate expiry

Which pods reach it is decided by the MutatingWebhookConfiguration
(deploy/webhook/): namespaces labelled sidekernel.dev/inject=enabled, or pods
labelled sidekernel.dev/inject: "true". A pod annotated sidekernel.dev/inject:
"false" is left alone; the other sidekernel.dev/* annotations of inject
override the flags below per pod.

Webhook flags:
  --tls-cert-file FILE        PEM certificate chain (required); re-read when it changes
  --tls-key-file FILE         PEM private key of that certificate (required)
  --host H                    bind address (default 0.0.0.0)
  --port N                    HTTPS port (default 8443; 0 picks a free one)
  --tls-reload-interval S     seconds between checks of the two files (default 10)
  --shutdown-grace S          seconds reviews in flight may finish after SIGTERM (default 10)
  --log-level L               debug|info|warn|error (default info); JSON lines on stderr
  -h, --help                  this text

Injection flags (cluster-wide defaults; see sidekernel inject --help):
  --image, --sidecar-port, --jupyter-container, --jupyter-url,
  --jupyter-token-secret, --workspace-path, --namespace, --auth-secret,
  --service-account, --sidecar-mode, --kernel-token, --force

The webhook reads no environment variables and needs no Kubernetes API access:
it runs with the right to listen on its port and read its two files, nothing else.

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 serving failed, 2 a bad flag or
unusable certificate files (the message names the flag and file).

Example:
  sidekernel webhook --tls-cert-file /tls/tls.crt --tls-key-file /tls/tls.key
`;
