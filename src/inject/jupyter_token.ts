/**
 * Where a Jupyter container's token is: its command line (`--ServerApp.token`,
 * `--IdentityProvider.token`, Kernel Gateway's `--KernelGatewayApp.auth_token`,
 * `$(VAR)` followed to its Secret), its env (`JUPYTER_TOKEN`, `KG_AUTH_TOKEN`,
 * JupyterHub's `JUPYTERHUB_API_TOKEN`) or `envFrom`. docs/DEPLOY.md ("Detection").
 *
 * @module
 */
import { type EnvValue, flagValue } from "./command_line.ts";
import type { JupyterFamily } from "./jupyter_settings.ts";
import { type Obj, obj, objs, str } from "./shape.ts";

/** Where Jupyter's token is, as the pod holds it. */
export type TokenSource =
  | { kind: "secret"; name: string; key: string; optional: boolean; from: string }
  | { kind: "configMap"; name: string; key: string; optional: boolean; from: string }
  | { kind: "literal"; value: string; from: string }
  | { kind: "none"; from: string }
  | { kind: "unknown" };

const TOKEN_FLAGS = [
  "IdentityProvider.token",
  "ServerApp.token",
  "NotebookApp.token",
  "KernelGatewayApp.auth_token",
];

/**
 * Reads where the token of `container` is.
 *
 * @param words the container's command line as words
 * @param env the container's env by name
 */
export function readToken(
  container: Obj,
  words: string[],
  family: JupyterFamily,
  env: Map<string, EnvValue>,
): TokenSource {
  const fromEnv = (name: string, from = `env ${name}`): TokenSource | undefined => {
    const v = env.get(name);
    if (!v || v.kind === "other") return undefined;
    if (v.kind === "value") {
      return v.value === "" ? { kind: "none", from } : { kind: "literal", value: v.value, from };
    }
    return { kind: v.kind, name: v.name, key: v.key, optional: v.optional, from };
  };
  const flag = flagValue(words, TOKEN_FLAGS);
  if (flag) {
    const ref = /^\$\((\w+)\)$/.exec(flag[0])?.[1];
    if (ref) return fromEnv(ref, `${flag[1]} = env ${ref}`) ?? { kind: "unknown" };
    if (flag[0].includes("$")) return { kind: "unknown" };
    return flag[0] === "" ? { kind: "none", from: flag[1] } : {
      kind: "literal",
      value: flag[0],
      from: flag[1],
    };
  }
  const names = family === "kernel-gateway"
    ? ["KG_AUTH_TOKEN"]
    : family === "jupyterhub"
    ? ["JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN"]
    : ["JUPYTER_TOKEN"];
  for (const name of names) {
    const hit = fromEnv(name);
    if (hit) return hit;
  }
  const wanted = names[0];
  for (const e of objs(container.envFrom)) {
    const ref = obj(e.secretRef) ?? obj(e.configMapRef);
    const prefix = str(e.prefix) ?? "";
    if (!ref || !str(ref.name) || (prefix && !wanted.startsWith(prefix))) continue;
    return {
      kind: e.secretRef ? "secret" : "configMap",
      name: str(ref.name) ?? "",
      key: wanted.slice(prefix.length),
      optional: ref.optional === true,
      from: `envFrom ${e.secretRef ? "Secret" : "ConfigMap"} "${str(ref.name)}" (key "${
        wanted.slice(prefix.length)
      }" assumed)`,
    };
  }
  if (family === "kernel-gateway") return { kind: "none", from: "Kernel Gateway's default" };
  if (family === "kubeflow") return { kind: "none", from: "Kubeflow's images turn it off" };
  return { kind: "unknown" };
}

/** A token source in words, for notes: `from Secret "nb/token" (env JUPYTER_TOKEN)`. */
export function describeToken(token: TokenSource): string {
  switch (token.kind) {
    case "secret":
      return `from Secret "${token.name}" key "${token.key}" (${token.from})`;
    case "configMap":
      return `from ConfigMap "${token.name}" key "${token.key}" (${token.from})`;
    case "literal":
      return `given literally (${token.from})`;
    case "none":
      return `none (${token.from})`;
    case "unknown":
      return "unknown";
  }
}
