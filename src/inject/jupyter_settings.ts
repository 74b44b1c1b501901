/**
 * Reads how a Jupyter container serves: port, base URL, root dir, token — from
 * its command line (traitlets flags, docker-stacks' `NOTEBOOK_ARGS`), its env
 * (`JUPYTER_PORT`, `JUPYTER_TOKEN`, Kernel Gateway's `KG_*`, JupyterHub's
 * `JUPYTERHUB_*`, Kubeflow's `NB_PREFIX`) and what its image is known to do.
 * docs/DEPLOY.md ("Detection") lists the precedence.
 *
 * @module
 */
import { type Obj, obj, objs, str, strs } from "./shape.ts";

/** Where Jupyter's token is, as the pod holds it. */
export type TokenSource =
  | { kind: "secret"; name: string; key: string; optional: boolean; from: string }
  | { kind: "configMap"; name: string; key: string; optional: boolean; from: string }
  | { kind: "literal"; value: string; from: string }
  | { kind: "none"; from: string }
  | { kind: "unknown" };

/** The pod family a Jupyter container belongs to, for defaults and messages. */
export type JupyterFamily =
  | "jupyterhub"
  | "kubeflow"
  | "kernel-gateway"
  | "docker-stacks"
  | "jupyter";

/** What the pod says about its Jupyter server. */
export interface JupyterSettings {
  /** The pod family (JupyterHub, Kubeflow, Kernel Gateway, docker-stacks, plain Jupyter). */
  family: JupyterFamily;
  /** The port Jupyter listens on. */
  port: number;
  /** `http` or `https` (a cert file is configured). */
  scheme: "http" | "https";
  /** Always starts and ends with `/`. */
  baseUrl: string;
  /** Absolute root dir, or `undefined` when nothing in the pod tells it. */
  rootDir?: string;
  /** Where the token is. */
  token: TokenSource;
  /** Where each value came from, for the notes: `port 8888 from --ServerApp.port`. */
  sources: string[];
}

type EnvValue =
  | { kind: "value"; value: string }
  | { kind: "secret" | "configMap"; name: string; key: string; optional: boolean }
  | { kind: "other" };

const PORT_FLAGS = ["ServerApp.port", "NotebookApp.port", "KernelGatewayApp.port", "port"];
const BASE_FLAGS = ["ServerApp.base_url", "NotebookApp.base_url", "KernelGatewayApp.base_url"];
const ROOT_FLAGS = [
  "ServerApp.root_dir",
  "ServerApp.notebook_dir",
  "NotebookApp.notebook_dir",
  "notebook-dir",
];
const TOKEN_FLAGS = [
  "IdentityProvider.token",
  "ServerApp.token",
  "NotebookApp.token",
  "KernelGatewayApp.auth_token",
];
const CERT_FLAGS = ["ServerApp.certfile", "NotebookApp.certfile", "certfile"];
const SHELLS = /^(\/usr)?(\/bin\/)?(ba|da|z)?sh$/;
/** Images whose user is jovyan with home /home/jovyan (docker-stacks and their children). */
export const JOVYAN_IMAGE =
  /(^|\/)(jupyter|jupyterhub|kubeflownotebookswg|pangeo|quay\.io\/jupyter)\/|(^|\/)(base|minimal|scipy|datascience|tensorflow|pytorch|pyspark|all-spark|r|julia)-notebook(:|$)|jupyter-(scipy|pytorch|tensorflow)/;

/**
 * The container's command line as words: `command` + `args`, with `$(VAR)`
 * expanded from literal env values; a `sh -c SCRIPT` is split into words.
 */
export function commandWords(container: Obj): string[] {
  const env = envOf(container);
  const expand = (s: string) =>
    s.replace(/\$\((\w+)\)|\$\{(\w+)\}/g, (whole, a, b) => {
      const v = env.get(a ?? b);
      return v?.kind === "value" ? v.value : whole;
    });
  const words = [...strs(container.command), ...strs(container.args)].map(expand);
  const c = words.findIndex((w) => w === "-c" || w === "-lc");
  if (c > 0 && SHELLS.test(words[0]) && words[c + 1] !== undefined) {
    return [...words.slice(0, c), ...splitShell(words[c + 1]), ...words.slice(c + 2)];
  }
  return words;
}

/** Splits a shell script into words (quotes removed; `;`, `&&`, `|` are words). */
export function splitShell(script: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(;|&&|\|\||\|)|([^\s"';|&]+)/g;
  let current: string | undefined;
  let last = 0;
  for (const m of script.matchAll(re)) {
    const gap = script.slice(last, m.index);
    if (/\s/.test(gap) && current !== undefined) {
      words.push(current);
      current = undefined;
    }
    last = m.index + m[0].length;
    if (m[3] !== undefined) {
      if (current !== undefined) words.push(current);
      words.push(m[3]);
      current = undefined;
      continue;
    }
    current = (current ?? "") + (m[1] ?? m[2] ?? m[4]);
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** The container's env, by name (later entries win, as in Kubernetes). */
export function envOf(container: Obj): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  for (const e of objs(container.env)) {
    const name = str(e.name);
    if (!name) continue;
    const from = obj(e.valueFrom);
    const ref = obj(from?.secretKeyRef) ?? obj(from?.configMapKeyRef);
    if (from === undefined) env.set(name, { kind: "value", value: str(e.value) ?? "" });
    else if (ref && str(ref.name) && str(ref.key)) {
      env.set(name, {
        kind: from.secretKeyRef ? "secret" : "configMap",
        name: str(ref.name) ?? "",
        key: str(ref.key) ?? "",
        optional: ref.optional === true,
      });
    } else env.set(name, { kind: "other" });
  }
  return env;
}

/** The last value of `--NAME=V` or `--NAME V` among `words`, with where it came from. */
export function flagValue(words: string[], names: string[]): [string, string] | undefined {
  let found: [string, string] | undefined;
  words.forEach((w, i) => {
    for (const n of names) {
      if (w === `--${n}` && words[i + 1] !== undefined && !words[i + 1].startsWith("--")) {
        found = [unquote(words[i + 1]), `--${n}`];
      } else if (w.startsWith(`--${n}=`)) found = [unquote(w.slice(n.length + 3)), `--${n}`];
    }
  });
  return found;
}

function unquote(s: string): string {
  return /^(['"])(.*)\1$/.exec(s)?.[2] ?? s;
}

/** Which family the container belongs to. */
export function familyOf(container: Obj, words: string[]): JupyterFamily {
  const env = envOf(container);
  const line = words.join(" ");
  const image = str(container.image) ?? "";
  if (/jupyterhub-singleuser/.test(line) || env.has("JUPYTERHUB_SERVICE_PREFIX")) {
    return "jupyterhub";
  }
  if (/kernelgateway|kernel_gateway|kernel-gateway/.test(`${line} ${image}`)) {
    return "kernel-gateway";
  }
  if ([...env.keys()].some((k) => k.startsWith("KG_"))) return "kernel-gateway";
  if (env.has("NB_PREFIX")) return "kubeflow";
  if (/start-(notebook|singleuser)\.(sh|py)/.test(line) || JOVYAN_IMAGE.test(image)) {
    return "docker-stacks";
  }
  return "jupyter";
}

/**
 * Reads the Jupyter settings of `container`.
 *
 * @example
 * ```ts
 * const s = readJupyterSettings({ name: "nb", args: ["jupyter", "lab", "--port=9999"] });
 * // s.port === 9999, s.baseUrl === "/"
 * ```
 */
export function readJupyterSettings(container: Obj): JupyterSettings {
  const env = envOf(container);
  const literal = (name: string) => {
    const v = env.get(name);
    return v?.kind === "value" ? v.value : undefined;
  };
  const extra = literal("NOTEBOOK_ARGS");
  const words = [...commandWords(container), ...(extra ? splitShell(extra) : [])];
  const family = familyOf(container, words);
  const sources: string[] = [];

  let port = 8888;
  const hubUrl = literal("JUPYTERHUB_SERVICE_URL");
  const hubPort = hubUrl ? /:(\d+)/.exec(hubUrl.replace(/^\w+:\/\//, ""))?.[1] : undefined;
  const declared = objs(container.ports).map((p) => Number(p.containerPort)).filter(Boolean);
  const portFlag = flagValue(words, PORT_FLAGS);
  const portFrom: [string | undefined, string][] = [
    [portFlag?.[0], portFlag?.[1] ?? ""],
    [literal("JUPYTER_PORT"), "env JUPYTER_PORT"],
    [literal("KG_PORT"), "env KG_PORT"],
    [hubPort, "env JUPYTERHUB_SERVICE_URL"],
    [declared.length === 1 ? String(declared[0]) : undefined, "its only containerPort"],
  ];
  const portHit = portFrom.find(([v]) => v !== undefined && /^\d+$/.test(v));
  if (portHit) {
    port = Number(portHit[0]);
    sources.push(`port ${port} from ${portHit[1]}`);
  } else sources.push(`port 8888 (Jupyter's default)`);

  const baseFlag = flagValue(words, BASE_FLAGS);
  const baseFrom: [string | undefined, string][] = [
    [baseFlag?.[0], baseFlag?.[1] ?? ""],
    [literal("KG_BASE_URL"), "env KG_BASE_URL"],
    [literal("JUPYTERHUB_SERVICE_PREFIX"), "env JUPYTERHUB_SERVICE_PREFIX"],
    [literal("NB_PREFIX"), "env NB_PREFIX"],
  ];
  const baseHit = baseFrom.find(([v]) => v !== undefined && v !== "" && !v.includes("$"));
  const baseUrl = `/${(baseHit?.[0] ?? "").replace(/^\/+|\/+$/g, "")}/`.replace("//", "/");
  if (baseHit) sources.push(`base URL "${baseUrl}" from ${baseHit[1]}`);

  const scheme = flagValue(words, CERT_FLAGS) ? "https" : "http";
  const rootDir = readRootDir(container, words, family, env, sources);
  const token = readToken(container, words, family, env);
  if (token.kind !== "unknown") sources.push(`token ${describeToken(token)}`);
  return { family, port, scheme, baseUrl, rootDir, token, sources };
}

function readRootDir(
  container: Obj,
  words: string[],
  family: JupyterFamily,
  env: Map<string, EnvValue>,
  sources: string[],
): string | undefined {
  const nbUser = env.get("NB_USER");
  const home = env.get("HOME")?.kind === "value"
    ? (env.get("HOME") as { value: string }).value
    : family === "jupyter" && !JOVYAN_IMAGE.test(str(container.image) ?? "")
    ? undefined
    : `/home/${nbUser?.kind === "value" ? nbUser.value : "jovyan"}`;
  const flag = flagValue(words, ROOT_FLAGS);
  const workingDir = str(container.workingDir);
  let root: string | undefined;
  if (flag && flag[0] !== "") {
    root = flag[0].replace(/^~(?=\/|$)/, home ?? "~");
    sources.push(`root dir "${root}" from ${flag[1]}`);
  } else if (workingDir) {
    root = workingDir;
    sources.push(`root dir "${root}" from workingDir`);
  } else if (home && family !== "kernel-gateway") {
    root = home;
    sources.push(`root dir "${root}" (the image's home)`);
  }
  return root && root.startsWith("/") ? root.replace(/(.)\/+$/, "$1") : undefined;
}

function readToken(
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
  if (family === "kubeflow") return { kind: "none", from: "Kubeflow's images (token off)" };
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
