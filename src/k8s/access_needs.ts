/**
 * What the Kubernetes client will touch for a given cluster config: the API
 * host, and the files and commands a kubeconfig refers to. The serving
 * worker is granted exactly these.
 *
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ClusterConfig } from "./config.ts";

/** Hosts, files and commands the Kubernetes client needs. */
export interface KubeAccessNeeds {
  /** `host:port` of the API server. */
  net: string[];
  read: string[];
  run: string[];
}

const FILE_KEYS = ["certificate-authority", "client-certificate", "client-key", "tokenFile"];

/**
 * Lists what `config` needs. For a kubeconfig, every file it names (CA,
 * client certificate and key, token file) and an `exec` credential plugin.
 */
export function kubeAccessNeeds(config: ClusterConfig): KubeAccessNeeds {
  const url = new URL(config.server);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const needs: KubeAccessNeeds = { net: [`${url.hostname}:${port}`], read: [], run: [] };
  const source = config.source;
  if (source.kind === "in-cluster") {
    needs.read.push(source.tokenFile, source.caFile, dirname(source.tokenFile));
    return needs;
  }
  needs.read.push(source.path);
  let doc: unknown;
  try {
    doc = parseYaml(Deno.readTextFileSync(source.path));
  } catch {
    return needs;
  }
  const base = dirname(source.path);
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (k === "exec" && v && typeof v === "object" && "command" in v) {
          needs.run.push(String((v as { command: unknown }).command));
        }
        visit(v, k);
      }
    } else if (typeof value === "string" && FILE_KEYS.includes(key)) {
      needs.read.push(isAbsolute(value) ? value : resolve(base, value));
    }
  };
  visit(doc, "");
  return needs;
}
