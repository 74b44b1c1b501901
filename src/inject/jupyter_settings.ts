/**
 * Reads how a Jupyter container serves: port, base URL, root dir, token — from
 * its command line (traitlets flags, docker-stacks' `NOTEBOOK_ARGS`), its env
 * (`JUPYTER_PORT`, `JUPYTER_TOKEN`, Kernel Gateway's `KG_*`, JupyterHub's
 * `JUPYTERHUB_*`, Kubeflow's `NB_PREFIX`) and what its image is known to do.
 * docs/DEPLOY.md ("Detection") lists the precedence.
 *
 * @module
 */
import { commandWords, envOf, type EnvValue, flagValue, splitShell } from "./command_line.ts";
import { describeToken, readToken, type TokenSource } from "./jupyter_token.ts";
import { type Obj, objs, str } from "./shape.ts";

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

const PORT_FLAGS = ["ServerApp.port", "NotebookApp.port", "KernelGatewayApp.port", "port"];
const BASE_FLAGS = ["ServerApp.base_url", "NotebookApp.base_url", "KernelGatewayApp.base_url"];
const ROOT_FLAGS = [
  "ServerApp.root_dir",
  "ServerApp.notebook_dir",
  "NotebookApp.notebook_dir",
  "notebook-dir",
];
const CERT_FLAGS = ["ServerApp.certfile", "NotebookApp.certfile", "certfile"];
/** Images whose user is jovyan with home /home/jovyan (docker-stacks and their children). */
export const JOVYAN_IMAGE =
  /(^|\/)(jupyter|jupyterhub|kubeflownotebookswg|pangeo|quay\.io\/jupyter)\/|(^|\/)(base|minimal|scipy|datascience|tensorflow|pytorch|pyspark|all-spark|r|julia)-notebook(:|$)|jupyter-(scipy|pytorch|tensorflow)/;

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
