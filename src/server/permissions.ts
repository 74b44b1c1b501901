/**
 * The permissions of the serving worker, computed from the configuration.
 *
 * `sidekernel serve` runs in two parts: the main isolate reads the flags,
 * resolves the cluster config, and starts a Worker that does all the work
 * (HTTP, MCP, executors, the Kubernetes client) with only what this config
 * needs: net to the listen address, the Jupyter server and the API server;
 * read to the workspace, token files and cluster credentials; write to the
 * workspace; run of the configured interpreter. Nothing else is reachable
 * from the code that handles requests, whatever the binary's ceiling is.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { KubeAccessNeeds } from "../k8s/access_needs.ts";

/** Deno permissions for a Worker (`WorkerOptions.deno.permissions`). */
export interface WorkerPermissions {
  net: string[];
  read: string[];
  write: string[];
  run: string[] | false;
  env: string[];
  sys: "uid"[] | false;
  ffi: false;
  import: false;
}

/** Inputs besides the config. */
export interface PermissionInputs {
  /** What the Kubernetes client needs, when the pods toolset is on. */
  kube?: KubeAccessNeeds;
  /** Environment variables the program may read. */
  env: string[];
}

/**
 * Computes the worker's permissions: nothing beyond what `config` needs.
 *
 * @example
 * ```ts
 * servePermissions(config, { env: ["PATH"] }).net; // ["127.0.0.1:8000"]
 * ```
 */
export function servePermissions(config: Config, inputs: PermissionInputs): WorkerPermissions {
  const listen = config.host.includes(":") && !config.host.startsWith("[")
    ? `[${config.host}]`
    : config.host;
  const net = config.transport === "http"
    ? [config.port === 0 ? listen : `${listen}:${config.port}`]
    : [];
  // Token files were read by the main isolate (into the config): the worker needs no grant.
  const read = [config.workspacePath];
  const write = [config.workspacePath];
  const run: string[] = [];
  if (config.executor.kind === "jupyter") {
    const url = new URL(config.executor.url);
    net.push(`${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`);
  } else {
    run.push(config.executor.python);
  }
  if (inputs.kube) {
    net.push(...inputs.kube.net);
    read.push(...inputs.kube.read);
    run.push(...inputs.kube.run);
  }
  return {
    net: unique(net),
    read: unique(read),
    write: unique(write),
    run: run.length > 0 ? unique(run) : false,
    env: unique(inputs.env),
    sys: inputs.kube ? ["uid"] : false,
    ffi: false,
    import: false,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
