/**
 * `sidekernel inject --help`.
 *
 * @module
 */
import { ANNOTATIONS, PREFIX } from "./annotations.ts";
import { DEFAULT_IMAGE } from "./flags.ts";

const annotationLines = Object.entries(ANNOTATIONS)
  .map(([key, what]) => `  ${(PREFIX + key).padEnd(36)} ${what}`)
  .join("\n");

/** The text of `sidekernel inject --help`. */
export const INJECT_HELP = `Usage: sidekernel inject -f FILE|- [flags]

Adds the sidekernel sidecar to the Jupyter pods in Kubernetes YAML or JSON and
prints the result (JSON in, JSON out). Reads Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job, CronJob and List documents; every other document,
and every comment, is printed as it was. Running it twice changes nothing.

For each pod it:
  1. finds the Jupyter container: annotation, --jupyter-container, else the
     container whose command runs jupyter lab/notebook/server/kernelgateway,
     jupyterhub-singleuser or a docker-stacks start script, else the only one
     with a Jupyter image, port 8888 or JUPYTER_*/KG_* env. None or several:
     the pod is left unchanged and stderr says why and how to name it;
  2. reads Jupyter's port, base URL (--ServerApp.base_url, NB_PREFIX,
     JUPYTERHUB_SERVICE_PREFIX, KG_BASE_URL), root dir and token (JUPYTER_TOKEN,
     --ServerApp.token, KG_AUTH_TOKEN, JUPYTERHUB_API_TOKEN) from the pod; the
     sidecar mounts the same Secret key, never a copy;
  3. mounts the volume holding Jupyter's root dir into the sidecar at the same
     path (subPath kept); only if it is on no volume, adds an emptyDir to both;
  4. adds container "sidekernel" as a native sidecar (initContainers,
     restartPolicy: Always, Kubernetes >= 1.29) on the first free port from 8000;
  5. takes the API token away from Jupyter's container (its code comes from the
     agent), keeps every other container's, gives the sidecar its own, keeps the
     pod's ServiceAccount and prints the Role/RoleBinding that account needs.
Every change is listed on stderr, with a summary of pods injected and skipped.

Flags:
  -f FILE|-                       YAML or JSON to read; - reads stdin (required)
  --image IMAGE                   sidecar image (default ${DEFAULT_IMAGE})
  --sidecar-port N                MCP and probe port (default: first free from 8000)
  --jupyter-container NAME        the Jupyter container (default: detected)
  --jupyter-url URL               Jupyter as the sidecar sees it (default: read
                                  from the pod, e.g. http://127.0.0.1:8888/user/a/)
  --jupyter-token-secret NAME/KEY Secret key with Jupyter's token, or "none"
                                  (default: read from the pod)
  --workspace-path PATH           Jupyter's root dir to share (default: read)
  --namespace NS                  namespace the pod tools may read (repeatable,
                                  or comma-separated; default: the pod's own)
  --auth-secret NAME              Secret (key "token") with the bearer token MCP
                                  clients send (default sidekernel-token)
  --service-account NAME          set this ServiceAccount on the pods (default:
                                  keep the pod's own)
  --sidecar-mode native|container native sidecar (default) or a regular
                                  container for clusters older than 1.29;
                                  refused in Job and CronJob pods
  --kernel-token remove|keep      the API token in Jupyter's container (default
                                  remove)
  --force                         add a container-mode sidecar to Job pods anyway
  -h, --help                      this text

Annotations on the pod (template) override the flags:
${annotationLines}

Exit codes: 0 done (skipped pods are listed with the reason), 1 unusable input
(unreadable, empty, invalid YAML/JSON, a workload without containers; nothing is
printed), 2 a bad flag.

Examples:
  sidekernel inject -f notebook.yaml | kubectl apply -f -
  kubectl get statefulset my-notebook -o yaml | sidekernel inject -f - | kubectl apply -f -
  sidekernel inject -f job.json --jupyter-token-secret nb-token/token > job.injected.json
`;
