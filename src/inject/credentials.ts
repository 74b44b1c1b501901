/**
 * Who holds a Kubernetes API token after injection. By default the kernel's
 * (Jupyter's) container holds none — the code it runs comes from the agent —
 * while every other container keeps exactly what it had, and the sidecar gets
 * its own projected token. The pod's ServiceAccount is kept unless told
 * otherwise. docs/DEPLOY.md ("Credentials") explains each case.
 *
 * @module
 */
import type { PlacedContainer } from "./detect.ts";
import type { InjectOptions } from "./flags.ts";
import {
  allContainers,
  arrayAt,
  type Obj,
  obj,
  objs,
  pathWithin,
  SERVICE_ACCOUNT_DIR,
  str,
} from "./shape.ts";

/** Lifetime asked for projected tokens, as Kubernetes' own volume does; the kubelet rotates it. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** The explicit token volume other containers keep when pod-level automount goes off. */
export const KEPT_TOKEN_VOLUME = "kube-api-access";

/** A projected volume with what the kubelet mounts for a ServiceAccount: token, CA, namespace. */
export function projectedTokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    },
  };
}

/** True when `volume` carries a ServiceAccount token (projected or a legacy token Secret). */
export function isTokenVolume(volume: Obj | undefined): boolean {
  if (!volume) return false;
  const projected = objs(obj(volume.projected)?.sources);
  if (projected.some((s) => s.serviceAccountToken !== undefined)) return true;
  return /-token-[a-z0-9]{5}$/.test(str(obj(volume.secret)?.secretName) ?? "");
}

/**
 * Applies the credential policy to `spec` (a private copy) and says what changed.
 *
 * @param spec the pod spec, before the sidecar is added
 * @param jupyter the kernel's container
 * @returns the notes and the ServiceAccount the sidecar will act as
 */
export function arrangeCredentials(
  spec: Obj,
  jupyter: PlacedContainer,
  options: InjectOptions,
): { notes: string[]; account: string } {
  const notes: string[] = [];
  const before = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
  let account = before ?? "default";
  if (options.serviceAccount !== undefined && options.serviceAccount !== account) {
    spec.serviceAccountName = options.serviceAccount;
    if (spec.serviceAccount !== undefined) delete spec.serviceAccount;
    notes.push(
      `set serviceAccountName to "${options.serviceAccount}" (was ${
        before ? `"${before}"` : `unset, i.e. "default"`
      }): every container of the pod now acts as "${options.serviceAccount}"`,
    );
    account = options.serviceAccount;
  }
  const volumes = new Map(objs(spec.volumes).map((v) => [str(v.name) ?? "", v]));
  const kernel = jupyter.container;
  const mounts = objs(kernel.volumeMounts);
  if (options.kernelToken === "keep") {
    notes.push(
      `container "${jupyter.name}" keeps its API token (kernel-token keep): code the agent ` +
        `runs there can use every right of ServiceAccount "${account}"`,
    );
  } else {
    const removed = mounts.filter((m) => pathWithin(str(m.mountPath) ?? "", SERVICE_ACCOUNT_DIR));
    if (removed.length > 0) {
      kernel.volumeMounts = mounts.filter((m) => !removed.includes(m));
      for (const m of removed) {
        notes.push(
          `removed the API token mount "${str(m.name)}" from container "${jupyter.name}"`,
        );
      }
    }
    for (const m of objs(kernel.volumeMounts)) {
      if (isTokenVolume(volumes.get(str(m.name) ?? ""))) {
        notes.push(
          `warning: container "${jupyter.name}" still mounts token volume "${str(m.name)}": ` +
            `remove it if the agent's code must not use it`,
        );
      }
    }
    if (spec.automountServiceAccountToken !== false) {
      const was = spec.automountServiceAccountToken === true ? "true" : "unset";
      spec.automountServiceAccountToken = false;
      notes.push(
        `set automountServiceAccountToken: false (was ${was}): no token for "${jupyter.name}"`,
      );
      keepOthersTokens(spec, kernel, notes);
    }
    dropOrphanTokenVolumes(spec, notes);
  }
  return { notes, account };
}

/** Gives every other container an explicit mount of the token it had from automount. */
function keepOthersTokens(spec: Obj, kernel: Obj, notes: string[]): void {
  const others = allContainers(spec).filter((c) => c !== kernel);
  const needing = others.filter((c) =>
    !objs(c.volumeMounts).some((m) => pathWithin(str(m.mountPath) ?? "", SERVICE_ACCOUNT_DIR))
  );
  if (needing.length === 0) return;
  const volumes = arrayAt(spec, "volumes");
  const names = new Set(objs(volumes).map((v) => str(v.name)));
  let name = KEPT_TOKEN_VOLUME;
  for (let i = 2; names.has(name); i++) name = `${KEPT_TOKEN_VOLUME}-${i}`;
  volumes.push(projectedTokenVolume(name));
  for (const c of needing) {
    arrayAt(c, "volumeMounts").push({ name, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true });
    notes.push(`container "${str(c.name)}" keeps its API token: explicit volume "${name}"`);
  }
}

/** Removes `kube-api-access-*` volumes (added at admission) no container mounts any more. */
function dropOrphanTokenVolumes(spec: Obj, notes: string[]): void {
  const used = new Set(
    allContainers(spec).flatMap((c) => objs(c.volumeMounts).map((m) => str(m.name))),
  );
  const volumes = objs(spec.volumes);
  const orphans = volumes.filter((v) =>
    /^kube-api-access-/.test(str(v.name) ?? "") && isTokenVolume(v) && !used.has(str(v.name))
  );
  if (orphans.length === 0) return;
  spec.volumes = volumes.filter((v) => !orphans.includes(v));
  for (const v of orphans) notes.push(`removed volume "${str(v.name)}", which no container mounts`);
}
