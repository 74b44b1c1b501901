/**
 * The steps of one injection, in order: annotations → opt-out / already done →
 * find Jupyter → read its address and token → pick a port → share its files →
 * credentials → add the sidecar. Every refusal happens before the first change,
 * so a skipped pod is never half-written.
 *
 * @module
 */
import { applyAnnotations, PREFIX, STATUS_ANNOTATION } from "./annotations.ts";
import type { InjectPodResult, WorkloadKind } from "./core.ts";
import { arrangeCredentials } from "./credentials.ts";
import { findJupyter } from "./detect.ts";
import type { InjectOptions } from "./flags.ts";
import type { JsonObject } from "./json_patch.ts";
import { describeToken, type TokenSource } from "./jupyter_token.ts";
import { readJupyterSettings } from "./jupyter_settings.ts";
import { allContainers, arrayAt, type Obj, obj, objectAt, objs, str } from "./shape.ts";
import { shareWorkspace } from "./share.ts";
import { SIDECAR_NAME, sidecarContainer, sidecarVolumes } from "./sidecar.ts";

/** The first port tried for the sidecar. */
export const FIRST_PORT = 8000;

/** Adds the sidecar to `pod` (already a private copy with an object `spec`). */
export function injectPodSpec(
  pod: JsonObject,
  flagOptions: InjectOptions,
  target: WorkloadKind,
): InjectPodResult {
  const spec = pod.spec as Obj;
  const skip = (reason: Extract<InjectPodResult, { kind: "skipped" }>["reason"], m: string) => ({
    kind: "skipped" as const,
    reason,
    message: m,
    notes: [],
  });
  const annotated = applyAnnotations(pod.metadata, flagOptions);
  if (annotated.kind === "bad") return skip("bad-annotation", annotated.message);
  const { options, optOut } = annotated;
  // The webhook's selector skips pods labelled sidekernel.dev/inject=false; inject agrees.
  const label = str(obj(obj(pod.metadata)?.labels)?.[`${PREFIX}inject`]);
  if (optOut || label === "false") {
    return {
      kind: "unchanged",
      reason: "opted-out",
      message: `${optOut ? "annotation" : "label"} ${PREFIX}inject is "false"`,
      notes: [],
    };
  }
  const present = allContainers(spec).find((c) => c.name === SIDECAR_NAME);
  if (present) {
    const image = str(present.image) ?? "";
    const status = str(obj(obj(pod.metadata)?.annotations)?.[STATUS_ANNOTATION]);
    if (status === "injected" || /(^|\/)sidekernel(:|@|$)/.test(image)) {
      return {
        kind: "unchanged",
        reason: "already-injected",
        message: `the pod already has the sidekernel sidecar`,
        notes: [],
      };
    }
    return skip(
      "foreign-sidecar",
      `the pod already has a container named "${SIDECAR_NAME}" (image "${image}") that ` +
        `sidekernel did not add: rename it, or annotate the pod ${PREFIX}inject: "false"`,
    );
  }
  const owners = objs(obj(pod.metadata)?.ownerReferences).map((o) => str(o.kind));
  const jobLike = target === "Job" || target === "CronJob" || owners.includes("Job");
  const native = options.sidecarMode === "native";
  if (!native && jobLike && !options.force) {
    return skip(
      "mode-refused",
      `sidecar mode "container" in a ${target === "Pod" ? "Job's pod" : target}: a regular ` +
        `sidecar container never exits, so the Job would never complete; use the native ` +
        `sidecar (the default, Kubernetes >= 1.29), or add --force to do it anyway`,
    );
  }
  const namedBy = flagOptions.jupyterContainer === options.jupyterContainer
    ? "--jupyter-container"
    : `annotation ${PREFIX}jupyter-container`;
  const found = findJupyter(spec, options.jupyterContainer, namedBy, SIDECAR_NAME);
  if (found.kind === "none") return skip("no-jupyter", found.message);
  if (found.kind === "several") return skip("several-candidates", found.message);
  if (found.kind === "unknown-container") return skip("unknown-container", found.message);

  const settings = readJupyterSettings(found.container);
  const token: TokenSource = options.jupyterTokenSecret === "none"
    ? { kind: "none", from: "jupyter-token-secret" }
    : options.jupyterTokenSecret
    ? { kind: "secret", ...options.jupyterTokenSecret, optional: false, from: "given" }
    : settings.token;
  if (token.kind === "unknown") {
    const hub = settings.family === "jupyterhub"
      ? `JupyterHub adds JUPYTERHUB_API_TOKEN when it spawns the pod: inject the spawned ` +
        `pod (sidekernel webhook), or`
      : `Jupyter makes a random one the sidecar cannot know: give Jupyter JUPYTER_TOKEN ` +
        `from a Secret, or`;
    return skip(
      "no-token",
      `container "${found.name}" sets no Jupyter token (no JUPYTER_TOKEN env, no ` +
        `--ServerApp.token); ${hub} annotate the pod ${PREFIX}jupyter-token-secret: ` +
        `NAME/KEY (or "none" if it runs without a token)`,
    );
  }
  const used = usedPorts(spec, settings.port);
  let port = options.port;
  if (port !== undefined && used.has(port)) {
    return skip(
      "port-clash",
      `port ${port} for the sidecar is already used in the pod (ports in use: ${
        [...used].sort((a, b) => a - b).join(", ")
      }): choose another with --sidecar-port or ${PREFIX}sidecar-port`,
    );
  }
  if (port === undefined) { for (port = FIRST_PORT; used.has(port); port++); }
  const jupyterUrl = options.jupyterUrl ??
    `${settings.scheme}://127.0.0.1:${settings.port}${settings.baseUrl}`;

  // From here on the copy is changed; nothing below refuses.
  // One short line per finding: the webhook turns each note into a kubectl warning.
  const notes = [
    `Jupyter container "${found.name}": ${found.signals.slice(0, 3).join(", ")}`,
    ...(options.jupyterUrl ? [`Jupyter URL ${jupyterUrl} as given`] : settings.sources),
  ];
  const workspace = shareWorkspace(spec, found, options.workspacePath ?? settings.rootDir);
  const credentials = arrangeCredentials(spec, found, options);
  const plan = {
    image: options.image,
    port,
    jupyterUrl,
    token,
    workspacePath: workspace.path,
    workspaceMounts: workspace.mounts,
    namespaces: options.namespaces,
    native,
    uid: workspace.uid,
    gid: workspace.gid,
    authSecret: options.authSecret,
  };
  arrayAt(spec, "volumes").push(...sidecarVolumes(plan));
  const sidecar = sidecarContainer(plan);
  if (native) {
    const init = arrayAt(spec, "initContainers");
    init.splice(found.list === "initContainers" ? found.index + 1 : init.length, 0, sidecar);
  } else arrayAt(spec, "containers").push(sidecar);
  objectAt(objectAt(pod, "metadata"), "annotations")[STATUS_ANNOTATION] = "injected";

  notes.push(
    native
      ? `added "${SIDECAR_NAME}" as a native sidecar (init container, restartPolicy: Always; ` +
        `Kubernetes >= 1.29)`
      : `added "${SIDECAR_NAME}" as a regular container`,
    `the sidecar serves MCP on port ${port}${
      options.port === undefined ? " (the first free one)" : ""
    }, reaches Jupyter at ${jupyterUrl}`,
    `the sidecar's workspace is ${workspace.path}`,
    ...workspace.notes,
    tokenNote(token),
    `the sidecar needs Secret "${options.authSecret}", key "token": the MCP clients' bearer token`,
    ...credentials.notes,
    `the sidecar acts with all rights of ServiceAccount "${credentials.account}" ` +
      `(bind it only the Role below)`,
  );
  return { kind: "injected", pod, notes, serviceAccount: credentials.account };
}

function tokenNote(token: TokenSource): string {
  switch (token.kind) {
    case "secret":
    case "configMap":
      return `the sidecar reads Jupyter's token ${describeToken(token)}, mounted as a file`;
    case "literal":
      return `warning: Jupyter's token is ${describeToken(token)} in the pod; copied into the ` +
        `sidecar's env SIDEKERNEL_JUPYTER_TOKEN: keep it in a Secret instead and annotate ` +
        `${PREFIX}jupyter-token-secret: NAME/KEY`;
    default:
      return `Jupyter runs without a token (${token.kind === "none" ? token.from : "unknown"})`;
  }
}

/** Ports any container declares (container and host ports), plus Jupyter's own. */
function usedPorts(spec: Obj, jupyterPort: number): Set<number> {
  const used = new Set<number>([jupyterPort]);
  for (const c of allContainers(spec)) {
    for (const p of objs(c.ports)) {
      for (const k of ["containerPort", "hostPort"]) {
        if (typeof p[k] === "number") used.add(p[k] as number);
      }
    }
  }
  return used;
}
