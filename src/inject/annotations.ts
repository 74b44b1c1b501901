/**
 * The pod's own `sidekernel.dev/*` annotations: checked, then laid over the
 * flags (an annotation wins over the flag of the same meaning). The table in
 * docs/DEPLOY.md ("Annotations") is this list.
 *
 * @module
 */
import {
  checkUrl,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  type InjectOptions,
  parsePort,
  parseSecretKey,
  type SecretKey,
} from "./flags.ts";
import { obj, str } from "./shape.ts";

/** The annotation prefix. */
export const PREFIX = "sidekernel.dev/";
/** Set by the injection on the pods it changed; marks the `sidekernel` container as ours. */
export const STATUS_ANNOTATION = `${PREFIX}status`;

/** Every annotation the injection reads, with what it overrides (for help and errors). */
export const ANNOTATIONS: Readonly<Record<string, string>> = Object.freeze({
  inject: `"false" leaves the pod as it is; "true", "required" (or absent) inject`,
  "jupyter-container": "name of the Jupyter container (--jupyter-container)",
  "jupyter-url": "Jupyter URL as the sidecar sees it (--jupyter-url)",
  "jupyter-token-secret": `NAME/KEY of Jupyter's token, or "none" (--jupyter-token-secret)`,
  "workspace-path": "Jupyter's root dir, shared with the sidecar (--workspace-path)",
  namespaces: "comma-separated namespaces the pod tools may read (--namespace)",
  "sidecar-port": "port of the sidecar's MCP and probes (--sidecar-port)",
  "sidecar-mode": `"native" or "container" (--sidecar-mode)`,
  "kernel-token": `"remove" or "keep" the API token in Jupyter's container (--kernel-token)`,
  "service-account": "ServiceAccount to set on the pod (--service-account)",
  "auth-secret": "Secret (key token) with the MCP bearer token (--auth-secret)",
  image: "sidecar image (--image)",
  status: `written by the injection ("injected"); do not set it yourself`,
});

/** The outcome of {@link applyAnnotations}. */
export type AnnotatedOptions =
  | { kind: "ok"; options: InjectOptions; optOut: boolean; overridden: string[] }
  | { kind: "bad"; message: string };

/**
 * Lays the pod's annotations over `options`.
 *
 * @param metadata the pod (template)'s metadata
 * @example
 * ```ts
 * applyAnnotations({ annotations: { "sidekernel.dev/inject": "false" } }, options).kind; // "ok"
 * ```
 */
export function applyAnnotations(metadata: unknown, options: InjectOptions): AnnotatedOptions {
  const annotations = obj(obj(metadata)?.annotations) ?? {};
  const out: InjectOptions = { ...options, namespaces: [...options.namespaces] };
  const overridden: string[] = [];
  let optOut = false;
  const problems: string[] = [];
  for (const [fullKey, raw] of Object.entries(annotations)) {
    if (!fullKey.startsWith(PREFIX)) continue;
    const key = fullKey.slice(PREFIX.length);
    const value = str(raw) ?? "";
    const bad = (wanted: string) =>
      problems.push(`annotation ${fullKey}: "${value}" is not ${wanted}`);
    const name = (pattern: RegExp, what: string): string | undefined =>
      pattern.test(value) ? value : (bad(`a valid ${what} name`), undefined);
    switch (key) {
      case "inject":
        // "required" is the webhook's: it refuses a pod that cannot take the sidecar.
        if (value === "false") optOut = true;
        else if (value !== "true" && value !== "required") bad(`"true", "required" or "false"`);
        continue;
      case "status":
        continue;
      case "jupyter-container":
        out.jupyterContainer = name(DNS_LABEL, "container");
        break;
      case "jupyter-url": {
        const problem = checkUrl(value);
        if (problem) problems.push(`annotation ${fullKey}: ${problem}`);
        else out.jupyterUrl = value;
        break;
      }
      case "jupyter-token-secret": {
        const parsed = parseSecretKey(value);
        if (typeof parsed === "string" && parsed !== "none") {
          problems.push(`annotation ${fullKey}: ${parsed}`);
        } else out.jupyterTokenSecret = parsed as SecretKey | "none";
        break;
      }
      case "workspace-path":
        if (value.startsWith("/")) out.workspacePath = value.replace(/(.)\/+$/, "$1");
        else bad("an absolute path");
        break;
      case "namespaces": {
        const list = value.split(",").map((s) => s.trim()).filter(Boolean);
        const wrong = list.filter((n) => !DNS_LABEL.test(n));
        if (wrong.length || list.length === 0) bad("a comma-separated list of namespace names");
        else out.namespaces = list;
        break;
      }
      case "sidecar-port": {
        const port = parsePort(value);
        if (typeof port === "number") out.port = port;
        else problems.push(`annotation ${fullKey}: ${port}`);
        break;
      }
      case "sidecar-mode":
        if (value === "native" || value === "container") out.sidecarMode = value;
        else bad(`"native" or "container"`);
        break;
      case "kernel-token":
        if (value === "remove" || value === "keep") out.kernelToken = value;
        else bad(`"remove" or "keep"`);
        break;
      case "service-account":
        out.serviceAccount = name(DNS_SUBDOMAIN, "ServiceAccount");
        break;
      case "auth-secret":
        out.authSecret = name(DNS_SUBDOMAIN, "Secret") ?? out.authSecret;
        break;
      case "image":
        if (value.trim() === "" || /\s/.test(value)) bad("an image reference");
        else out.image = value;
        break;
      default:
        problems.push(
          `annotation ${fullKey} is not one sidekernel reads (known: ${
            Object.keys(ANNOTATIONS).map((k) => PREFIX + k).join(", ")
          })`,
        );
        continue;
    }
    overridden.push(fullKey);
  }
  if (problems.length > 0) {
    return { kind: "bad", message: `${problems.join("; ")}; fix or remove the annotation` };
  }
  return { kind: "ok", options: out, optOut, overridden };
}
