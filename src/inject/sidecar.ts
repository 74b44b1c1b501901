/**
 * The sidecar container and the volumes only it mounts, as plain objects.
 *
 * Token layout in the sidecar:
 * - `/var/run/secrets/sidekernel/token`: the MCP bearer token (Secret `--auth-secret`, key `token`);
 * - `/var/run/secrets/jupyter/token`: Jupyter's token, the same Secret key Jupyter reads
 *   (or `SIDEKERNEL_JUPYTER_TOKEN` when the pod gives it literally);
 * - `/var/run/secrets/kubernetes.io/serviceaccount`: its own projected service-account token.
 *
 * @module
 */
import { projectedTokenVolume } from "./credentials.ts";
import type { TokenSource } from "./jupyter_token.ts";
import { type Obj, SERVICE_ACCOUNT_DIR } from "./shape.ts";

/** Name of the injected container. */
export const SIDECAR_NAME = "sidekernel";
/** Directory of the MCP bearer token file. */
export const AUTH_TOKEN_DIR = "/var/run/secrets/sidekernel";
/** Directory of the Jupyter token file. */
export const JUPYTER_TOKEN_DIR = "/var/run/secrets/jupyter";
/** Volume names the injection adds for the sidecar alone. */
export const VOLUME_NAMES = Object.freeze({
  authToken: "sidekernel-auth-token",
  jupyterToken: "sidekernel-jupyter-token",
  serviceAccount: "sidekernel-kube-api-access",
});

/** Everything the sidecar container is made of. */
export interface SidecarPlan {
  /** Image. */
  image: string;
  /** MCP and probe port. */
  port: number;
  /** Jupyter URL with base path. */
  jupyterUrl: string;
  /** How the sidecar gets Jupyter's token. */
  token: TokenSource;
  /** `--workspace-path`. */
  workspacePath: string;
  /** Workspace volume mounts. */
  workspaceMounts: Obj[];
  /** `--namespace` values. */
  namespaces: string[];
  /** Native sidecar (`restartPolicy: Always`). */
  native: boolean;
  /** User the sidecar runs as. */
  uid: number;
  /** Group the sidecar runs as. */
  gid: number;
  /** Secret with the MCP bearer token. */
  authSecret: string;
}

/**
 * The sidecar container.
 *
 * @example
 * ```ts
 * const c = sidecarContainer({ ...plan, port: 8000 }); // c.name === "sidekernel"
 * ```
 */
export function sidecarContainer(plan: SidecarPlan): Obj {
  const args = [
    "serve",
    "--host",
    "0.0.0.0",
    "--port",
    String(plan.port),
    "--auth-token-file",
    `${AUTH_TOKEN_DIR}/token`,
    "--jupyter-url",
    plan.jupyterUrl,
  ];
  const fileToken = plan.token.kind === "secret" || plan.token.kind === "configMap";
  if (fileToken) args.push("--jupyter-token-file", `${JUPYTER_TOKEN_DIR}/token`);
  args.push("--workspace-path", plan.workspacePath);
  for (const ns of plan.namespaces) args.push("--namespace", ns);
  const fieldEnv = (name: string, fieldPath: string) => ({
    name,
    valueFrom: { fieldRef: { fieldPath } },
  });
  const env: Obj[] = [
    fieldEnv("POD_NAME", "metadata.name"),
    fieldEnv("POD_NAMESPACE", "metadata.namespace"),
  ];
  if (plan.token.kind === "literal") {
    env.push({ name: "SIDEKERNEL_JUPYTER_TOKEN", value: plan.token.value });
  }
  const mounts: Obj[] = [
    ...plan.workspaceMounts,
    { name: VOLUME_NAMES.authToken, mountPath: AUTH_TOKEN_DIR, readOnly: true },
  ];
  if (fileToken) {
    mounts.push({ name: VOLUME_NAMES.jupyterToken, mountPath: JUPYTER_TOKEN_DIR, readOnly: true });
  }
  mounts.push({
    name: VOLUME_NAMES.serviceAccount,
    mountPath: SERVICE_ACCOUNT_DIR,
    readOnly: true,
  });
  const container: Obj = { name: SIDECAR_NAME, image: plan.image };
  if (plan.native) container.restartPolicy = "Always";
  Object.assign(container, {
    args,
    env,
    ports: [{ name: "mcp", containerPort: plan.port, protocol: "TCP" }],
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
    resources: { requests: { cpu: "50m", memory: "160Mi" }, limits: { memory: "512Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: plan.uid,
      runAsGroup: plan.gid,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: mounts,
  });
  return container;
}

/** The volumes only the sidecar mounts, in the order they are added. */
export function sidecarVolumes(plan: SidecarPlan): Obj[] {
  const volumes: Obj[] = [{
    name: VOLUME_NAMES.authToken,
    secret: { secretName: plan.authSecret, items: [{ key: "token", path: "token" }] },
  }];
  const t = plan.token;
  if (t.kind === "secret" || t.kind === "configMap") {
    const items = [{ key: t.key, path: "token" }];
    const source: Obj = t.kind === "secret"
      ? { secretName: t.name, items }
      : { name: t.name, items };
    if (t.optional) source.optional = true;
    volumes.push({ name: VOLUME_NAMES.jupyterToken, [t.kind]: source });
  }
  volumes.push(projectedTokenVolume(VOLUME_NAMES.serviceAccount));
  return volumes;
}
