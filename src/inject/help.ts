/**
 * `sidekernel inject --help`.
 *
 * @module
 */
import { DEFAULT_IMAGE } from "./options.ts";

/** The text of `sidekernel inject --help`. */
export const INJECT_HELP = `Usage: sidekernel inject -f FILE|- [flags]

Adds the sidekernel sidecar to Kubernetes YAML and prints the result. Reads
Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob and List documents;
every other document, and every comment, is printed as it was. Running it
twice changes nothing (a pod with a "sidekernel" container is left alone).

What it adds to each pod:
  container "sidekernel"   MCP on --port, probes GET /healthz (liveness) and
                           /readyz (readiness), POD_NAME/POD_NAMESPACE from the
                           downward API, non-root uid 65532, read-only root,
                           no privilege escalation, all capabilities dropped
  volume "workspace"       emptyDir at /workspace (or --workspace-volume NAME)
  token volumes            mounted only into the sidecar:
    /var/run/secrets/sidekernel/token  Secret --auth-secret, key "token":
                                       the bearer token MCP clients send
    /var/run/secrets/jupyter/token     Secret --jupyter-secret, key "token"
    /var/run/secrets/kubernetes.io/serviceaccount
                                       projected service-account token; the pod
                                       gets automountServiceAccountToken: false,
                                       so no other container holds it
  serviceAccountName       --service-account, when the pod names none

Flags:
  -f FILE|-                  YAML to read; - reads stdin (required)
  --image IMAGE              sidecar image (default ${DEFAULT_IMAGE})
  --port N                   MCP and probe port (default 8000)
  --jupyter-url URL          Jupyter Server as the sidecar sees it
                             (default http://127.0.0.1:8888)
  --workspace-volume NAME    mount this existing volume at /workspace
                             (default: "workspace", added as emptyDir if absent)
  --auth-secret NAME         Secret with the MCP bearer token (default sidekernel-token)
  --jupyter-secret NAME      Secret with the Jupyter token (default jupyter-token)
  --service-account NAME     ServiceAccount for pods that name none (default sidekernel)
  -h, --help                 this text

Exit codes: 0 done, 1 invalid YAML or an unusable object (the message names the
document and line), 2 a bad flag.

Examples:
  sidekernel inject -f agent.yaml | kubectl apply -f -
  kubectl get deploy agent -o yaml | sidekernel inject -f - | kubectl apply -f -
  sidekernel inject -f agent.yaml --workspace-volume data --port 9000
`;
