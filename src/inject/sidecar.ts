/**
 * What `sidekernel inject` adds to a pod: the sidecar container and the
 * volumes it mounts. Plain objects; `pod_spec.ts` puts them into the YAML.
 *
 * Token layout (only the sidecar mounts any of these):
 * - `/var/run/secrets/sidekernel/token`: the MCP bearer token, Secret `sidekernel-token`;
 * - `/var/run/secrets/jupyter/token`: the Jupyter Server token, Secret `jupyter-token`;
 * - `/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`: a projected
 *   service-account token (the pod sets `automountServiceAccountToken: false`, so no other
 *   container gets one).
 *
 * @module
 */
import type { InjectOptions } from "./options.ts";

/** Name of the injected container; its presence makes `inject` a no-op. */
export const SIDECAR_NAME = "sidekernel";
/** Where the workspace volume is mounted in the sidecar. */
export const WORKSPACE_PATH = "/workspace";
/** Directory of the MCP bearer token file. */
export const AUTH_TOKEN_DIR = "/var/run/secrets/sidekernel";
/** Directory of the Jupyter token file. */
export const JUPYTER_TOKEN_DIR = "/var/run/secrets/jupyter";
/** Where the in-cluster loader reads `token`, `ca.crt` and `namespace`. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Volume names `inject` adds (besides the workspace). */
export const VOLUME_NAMES = Object.freeze({
  authToken: "sidekernel-token",
  jupyterToken: "sidekernel-jupyter-token",
  serviceAccount: "sidekernel-kube-api-access",
});
/** Lifetime requested for the projected service-account token; the kubelet rotates it. */
export const TOKEN_EXPIRATION_SECONDS = 3607;

type Obj = Record<string, unknown>;

/**
 * The sidecar container as a Kubernetes object.
 *
 * @param options image, port, Jupyter URL, workspace volume name
 * @example
 * ```ts
 * const container = sidecarContainer(parseInjectArgs(["-f", "-"]).options);
 * ```
 */
export function sidecarContainer(options: InjectOptions): Obj {
  const port = { name: "mcp", containerPort: options.port, protocol: "TCP" };
  const fieldEnv = (name: string, fieldPath: string) => ({
    name,
    valueFrom: { fieldRef: { fieldPath } },
  });
  return {
    name: SIDECAR_NAME,
    image: options.image,
    args: [
      "serve",
      "--host",
      "0.0.0.0",
      "--port",
      String(options.port),
      "--auth-token-file",
      `${AUTH_TOKEN_DIR}/token`,
      "--jupyter-url",
      options.jupyterUrl,
      "--jupyter-token-file",
      `${JUPYTER_TOKEN_DIR}/token`,
      "--workspace-path",
      WORKSPACE_PATH,
    ],
    ports: [port],
    env: [fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")],
    livenessProbe: {
      httpGet: { path: "/healthz", port: "mcp" },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: "/readyz", port: "mcp" },
      periodSeconds: 5,
      failureThreshold: 3,
    },
    resources: {
      requests: { cpu: "50m", memory: "160Mi" },
      limits: { memory: "512Mi" },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: options.workspaceVolume, mountPath: WORKSPACE_PATH },
      { name: VOLUME_NAMES.authToken, mountPath: AUTH_TOKEN_DIR, readOnly: true },
      { name: VOLUME_NAMES.jupyterToken, mountPath: JUPYTER_TOKEN_DIR, readOnly: true },
      { name: VOLUME_NAMES.serviceAccount, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
    ],
  };
}

/** The workspace volume added when the pod has none of that name. */
export function workspaceVolume(name: string): Obj {
  return { name, emptyDir: {} };
}

/**
 * The token volumes, in the order they are added: the two Secrets and the
 * projected service-account token (what Kubernetes itself would mount, but
 * only for the sidecar).
 */
export function tokenVolumes(options: InjectOptions): Obj[] {
  const secret = (name: string, secretName: string) => ({
    name,
    secret: { secretName, items: [{ key: "token", path: "token" }] },
  });
  return [
    secret(VOLUME_NAMES.authToken, options.authSecret),
    secret(VOLUME_NAMES.jupyterToken, options.jupyterSecret),
    {
      name: VOLUME_NAMES.serviceAccount,
      projected: {
        sources: [
          {
            serviceAccountToken: { path: "token", expirationSeconds: TOKEN_EXPIRATION_SECONDS },
          },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          {
            downwardAPI: {
              items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
            },
          },
        ],
      },
    },
  ];
}
