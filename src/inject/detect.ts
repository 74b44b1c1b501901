/**
 * Finds the Jupyter container of a pod: the one named by annotation or flag,
 * else the one whose command line starts a Jupyter server, else the only one
 * whose image, ports or env look like Jupyter. Regular init containers run to
 * completion before Jupyter could start, so only `containers` and native
 * sidecars (`initContainers` with `restartPolicy: Always`) are looked at.
 * docs/DEPLOY.md ("Detection") lists the signals.
 *
 * @module
 */
import { commandWords } from "./command_line.ts";
import { type Obj, objs, str } from "./shape.ts";

/** A container and where it sits in the pod spec. */
export interface PlacedContainer {
  /** The container object (part of the pod being edited). */
  container: Obj;
  /** Its list. */
  list: "containers" | "initContainers";
  /** Its index in that list. */
  index: number;
  /** Its name. */
  name: string;
}

/** What {@link findJupyter} found. */
export type JupyterSearch =
  | (PlacedContainer & { kind: "found"; signals: string[] })
  | { kind: "none"; message: string }
  | { kind: "several"; message: string }
  | { kind: "unknown-container"; message: string };

const STRONG =
  /^(jupyter-(lab|notebook|server|nbclassic|kernelgateway)|jupyterhub-singleuser|start-(notebook|singleuser)\.(sh|py)|jupyter_server|jupyterlab|notebook|kernel_gateway)$/;
const JUPYTER_SUBCOMMAND = /^(lab|notebook|server|nbclassic|kernelgateway)$/;
const IMAGE =
  /singleuser|notebook|jupyterlab|jupyter[-/_](?!hub)|(^|\/)jupyter(:|$)|kernel-gateway|kernelgateway/i;
const NOT_JUPYTER_IMAGE = /k8s-hub|configurable-http-proxy|image-awaiter|network-tools|secret-sync/;
const ENV = /^(JUPYTER_(TOKEN|PORT|ENABLE_LAB)|JUPYTERHUB_\w+|KG_\w+|NB_PREFIX|NOTEBOOK_ARGS)$/;

/** The containers Jupyter may be in: `containers` and native-sidecar init containers. */
export function runningContainers(spec: Obj): PlacedContainer[] {
  const placed: PlacedContainer[] = [];
  objs(spec.initContainers).forEach((container, index) => {
    if (container.restartPolicy === "Always") {
      placed.push({ container, list: "initContainers", index, name: str(container.name) ?? "" });
    }
  });
  objs(spec.containers).forEach((container, index) => {
    placed.push({ container, list: "containers", index, name: str(container.name) ?? "" });
  });
  return placed;
}

/** Why a container looks like Jupyter: strong (its command) and weak (image, ports, env) signals. */
export function jupyterSignals(container: Obj): { strong: string[]; weak: string[] } {
  const words = commandWords(container);
  const base = (w: string) => w.split("/").pop() ?? w;
  const strong: string[] = [];
  const weak: string[] = [];
  if (base(words[0] ?? "") === "jupyterhub") return { strong, weak }; // the Hub itself
  words.forEach((w, i) => {
    const b = base(w);
    if (STRONG.test(b) && (b !== "notebook" || words[i - 1] === "-m")) {
      strong.push(`command "${w}"`);
    }
    if (b === "jupyter" && JUPYTER_SUBCOMMAND.test(words[i + 1] ?? "")) {
      strong.push(`command "jupyter ${words[i + 1]}"`);
    }
  });
  const image = str(container.image) ?? "";
  // An image is only a hint when the container runs what the image runs: with
  // its own command (e.g. "jupyter nbconvert", "papermill"), it starts no server.
  const ownCommand = words.length > 0;
  if (IMAGE.test(image) && !NOT_JUPYTER_IMAGE.test(image) && !ownCommand) {
    weak.push(`image "${image}"`);
  }
  if (objs(container.ports).some((p) => Number(p.containerPort) === 8888)) weak.push("port 8888");
  const env = objs(container.env).map((e) => str(e.name) ?? "").filter((n) => ENV.test(n));
  if (env.length) {
    weak.push(
      `env ${env.slice(0, 3).join(", ")}${env.length > 3 ? ` and ${env.length - 3} more` : ""}`,
    );
  }
  return { strong, weak };
}

/**
 * Finds the Jupyter container.
 *
 * @param spec the pod spec
 * @param named the container named by annotation or flag, if any
 * @param namedBy how it was named, for messages (`annotation sidekernel.dev/jupyter-container`)
 * @param exclude a container name never to pick (the sidecar's)
 */
export function findJupyter(
  spec: Obj,
  named: string | undefined,
  namedBy: string,
  exclude: string,
): JupyterSearch {
  const placed = runningContainers(spec).filter((p) => p.name !== exclude);
  const names = placed.map((p) => `"${p.name}"`).join(", ") || "none";
  const how = `name it with the annotation sidekernel.dev/jupyter-container: NAME ` +
    `(or --jupyter-container NAME)`;
  if (named !== undefined) {
    const hit = placed.find((p) => p.name === named);
    if (hit) return { ...hit, kind: "found", signals: [`named by ${namedBy}`] };
    return {
      kind: "unknown-container",
      message: `${namedBy} names container "${named}", which the pod does not run ` +
        `(its containers: ${names}); name one of those`,
    };
  }
  const scored = placed.map((p) => ({ ...p, ...jupyterSignals(p.container) }));
  const strong = scored.filter((s) => s.strong.length > 0);
  const weak = scored.filter((s) => s.weak.length > 0);
  const pool = strong.length > 0 ? strong : weak;
  if (pool.length === 1) {
    const [hit] = pool;
    return { ...hit, kind: "found", signals: [...hit.strong, ...hit.weak] };
  }
  if (pool.length > 1) {
    const list = pool.map((s) => `"${s.name}" (${[...s.strong, ...s.weak].join(", ")})`);
    return {
      kind: "several",
      message: `several containers look like Jupyter: ${list.join("; ")}; ${how}`,
    };
  }
  return {
    kind: "none",
    message: `no container runs a Jupyter server (looked for jupyter lab/notebook/server, ` +
      `jupyterhub-singleuser, the docker-stacks start scripts, jupyter kernelgateway, ` +
      `Jupyter images, port 8888, JUPYTER_*/KG_* env in: ${names}); if one does, ${how}`,
  };
}
