/**
 * The sidecar sees Jupyter's files: it mounts the volume that holds Jupyter's
 * root dir at the same path (subPath kept), plus any volume mounted below it.
 * Only when the root dir is on no volume is an emptyDir added, mounted into
 * both containers. docs/DEPLOY.md ("Workspace") explains it.
 *
 * @module
 */
import type { PlacedContainer } from "./detect.ts";
import { JOVYAN_IMAGE } from "./jupyter_settings.ts";
import { arrayAt, type Obj, obj, objs, pathWithin, SERVICE_ACCOUNT_DIR, str } from "./shape.ts";

/** The emptyDir added when Jupyter's root dir is on no volume. */
export const WORKSPACE_VOLUME = "sidekernel-workspace";
/** The path used when nothing in the pod tells Jupyter's root dir. */
export const FALLBACK_WORKSPACE = "/workspace";
/** The uid (and gid) the sidecar image runs as when Jupyter's is not known. */
export const SIDECAR_UID = 65532;

/** What the sidecar mounts and runs as. */
export interface SharedWorkspace {
  /** `--workspace-path` of the sidecar. */
  path: string;
  /** The sidecar's workspace volume mounts. */
  mounts: Obj[];
  /** User and group the sidecar runs as. */
  uid: number;
  /** Group the sidecar runs as. */
  gid: number;
  /** What was done and any warning. */
  notes: string[];
}

/**
 * Shares Jupyter's root dir with the sidecar, editing `spec` (a private copy)
 * only when an emptyDir has to be added.
 *
 * @param rootDir Jupyter's root dir, or `undefined` when the pod does not tell
 */
export function shareWorkspace(
  spec: Obj,
  jupyter: PlacedContainer,
  rootDir: string | undefined,
): SharedWorkspace {
  const notes: string[] = [];
  const path = rootDir ?? FALLBACK_WORKSPACE;
  if (rootDir === undefined) {
    notes.push(
      `Jupyter's root dir is not in the pod (no --ServerApp.root_dir, --notebook-dir, ` +
        `workingDir or known image): the workspace is "${path}", where the kernel changes ` +
        `directory at start; set the annotation sidekernel.dev/workspace-path to choose`,
    );
  }
  const { uid, gid, jupyterUid } = users(spec, jupyter.container);
  const own = objs(jupyter.container.volumeMounts).filter((m) =>
    !pathWithin(str(m.mountPath) ?? "", SERVICE_ACCOUNT_DIR)
  );
  const covering = own
    .filter((m) => pathWithin(path, str(m.mountPath) ?? "\0"))
    .sort((a, b) => (str(b.mountPath) ?? "").length - (str(a.mountPath) ?? "").length)[0];
  const nested = own.filter((m) =>
    m !== covering && pathWithin(str(m.mountPath) ?? "", path) && str(m.mountPath) !== path
  );
  const copy = (m: Obj): Obj => {
    const out: Obj = { name: m.name, mountPath: m.mountPath };
    for (const k of ["subPath", "subPathExpr", "readOnly"]) if (m[k] !== undefined) out[k] = m[k];
    return out;
  };
  const volumes = new Map(objs(spec.volumes).map((v) => [str(v.name) ?? "", v]));
  let mounts: Obj[];
  if (covering) {
    mounts = [covering, ...nested].map(copy);
    for (const m of [covering, ...nested]) {
      const sub = m.subPath ?? m.subPathExpr;
      notes.push(
        `the sidecar mounts volume "${str(m.name)}" (${
          describeVolume(volumes.get(str(m.name) ?? ""))
        }) at ${str(m.mountPath)}${sub ? ` with subPath "${sub}"` : ""}, as container ` +
          `"${jupyter.name}" does`,
      );
      if (m.readOnly === true) {
        notes.push(
          `warning: volume "${str(m.name)}" is read-only: the sidecar cannot save outputs`,
        );
      }
    }
  } else {
    const names = new Set(volumes.keys());
    let name = WORKSPACE_VOLUME;
    for (let i = 2; names.has(name); i++) name = `${WORKSPACE_VOLUME}-${i}`;
    arrayAt(spec, "volumes").push({ name, emptyDir: {} });
    arrayAt(jupyter.container, "volumeMounts").push({ name, mountPath: path });
    mounts = [{ name, mountPath: path }, ...nested.map(copy)];
    notes.push(
      `Jupyter's root dir ${path} is on no volume: added emptyDir "${name}", mounted at ${path} ` +
        `in container "${jupyter.name}" and the sidecar (its files go with the pod; mount a ` +
        `PersistentVolumeClaim there to keep them)`,
    );
  }
  const fsGroup = obj(spec.securityContext)?.fsGroup;
  for (const m of mounts) {
    const volume = volumes.get(str(m.name) ?? "");
    if (!volume || volume.emptyDir !== undefined || fsGroup !== undefined) continue;
    if (jupyterUid === uid && uid !== 0) continue;
    notes.push(
      `warning: the sidecar (uid ${uid}) may not write volume "${str(m.name)}" (Jupyter's uid ` +
        `${jupyterUid ?? "unknown"}, no fsGroup): set spec.securityContext.fsGroup, e.g. 100`,
    );
  }
  return { path, mounts, uid, gid, notes };
}

/** The sidecar runs as Jupyter's own non-root user where known, so shared files stay writable. */
function users(spec: Obj, container: Obj): { uid: number; gid: number; jupyterUid?: number } {
  const own = obj(container.securityContext) ?? {};
  const pod = obj(spec.securityContext) ?? {};
  const num = (v: unknown) => typeof v === "number" ? v : undefined;
  const jovyan = JOVYAN_IMAGE.test(str(container.image) ?? "");
  const jupyterUid = num(own.runAsUser) ?? num(pod.runAsUser) ?? (jovyan ? 1000 : undefined);
  const jupyterGid = num(own.runAsGroup) ?? num(pod.runAsGroup) ?? (jovyan ? 100 : undefined);
  if (jupyterUid !== undefined && jupyterUid > 0) {
    return { uid: jupyterUid, gid: jupyterGid ?? jupyterUid, jupyterUid };
  }
  return { uid: SIDECAR_UID, gid: SIDECAR_UID, jupyterUid };
}

/** A volume's source in words: `PersistentVolumeClaim "claim-alice"`, `emptyDir`. */
export function describeVolume(volume: Obj | undefined): string {
  if (!volume) return "not in spec.volumes";
  const claim = str(obj(volume.persistentVolumeClaim)?.claimName);
  if (claim) return `PersistentVolumeClaim "${claim}"`;
  const source = Object.keys(volume).find((k) => k !== "name");
  return source ?? "no source";
}
