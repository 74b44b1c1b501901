/**
 * The {@link KubeClient} implementation on `@kubernetes/client-node`: the
 * library supplies authentication (tokens, token files, client certificates,
 * exec plugins) and TLS; every call is one GET with a timeout.
 *
 * @module
 */
import * as k8s from "@kubernetes/client-node";
import type { RequestOptions as HttpsOptions } from "node:https";
import type { ClusterConfig } from "./config.ts";
import type { GetOptions, KubeClient, KubeObserver, ListOptions, LogOptions } from "./client.ts";
import {
  KubeApiError,
  KubeConfigError,
  KubeError,
  type KubeRequest,
  KubeTimeoutError,
  KubeUnreachableError,
  NamespaceNotAllowedError,
} from "./errors.ts";
import type { KubeEvent, KubeList, KubeStatus, Pod, PodMetrics } from "./types.ts";

type Query = Record<string, string | number | boolean | undefined>;
type Target = Omit<KubeRequest, "url">;

/** Largest JSON answer read (a page of 1000 pods or 2000 events is far below it). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Largest error body read. */
const MAX_ERROR_BYTES = 64 * 1024;

/**
 * Builds the client-node `KubeConfig` for `config` without reading the
 * environment (in-cluster settings come from the resolved config).
 *
 * @throws {KubeConfigError} when the kubeconfig cannot be loaded.
 */
export function buildKubeConfig(config: ClusterConfig): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const source = config.source;
  try {
    if (source.kind === "kubeconfig") {
      kc.loadFromFile(source.path);
      kc.setCurrentContext(source.context);
    } else {
      kc.loadFromClusterAndUser(
        { name: "in-cluster", server: config.server, caFile: source.caFile, skipTLSVerify: false },
        {
          name: "in-cluster",
          authProvider: { name: "tokenFile", config: { tokenFile: source.tokenFile } },
        },
      );
    }
  } catch (e) {
    throw new KubeConfigError(`Cannot load the cluster configuration: ${errorText(e)}`, {
      cause: e,
    });
  }
  return kc;
}

/** Creates the client-node backed {@link KubeClient}. */
export function createNodeKubeClient(
  config: ClusterConfig,
  observe?: KubeObserver,
): KubeClient {
  let kc = buildKubeConfig(config);
  const server = kc.getCurrentCluster()?.server?.replace(/\/$/, "") ?? config.server;
  let client: Deno.HttpClient | undefined;

  // client-node supplies credentials and TLS material; Deno's fetch sends the
  // request over one pooled connection (undici's HTTP/2 under Deno aborts the
  // process when a server sends GOAWAY, and it opened a connection per call).
  const send = async (url: string, signal: AbortSignal): Promise<Response> => {
    const opts: HttpsOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (e) {
      throw new KubeConfigError(`Cannot authenticate to "${server}": ${errorText(e)}`, {
        cause: e,
      });
    }
    if (opts.rejectUnauthorized === false) {
      throw new KubeConfigError(
        `The kubeconfig of "${server}" sets insecure-skip-tls-verify, which is not supported: ` +
          `set certificate-authority or certificate-authority-data instead`,
      );
    }
    client ??= Deno.createHttpClient({
      caCerts: opts.ca ? [String(opts.ca)] : undefined,
      cert: opts.cert ? String(opts.cert) : undefined,
      key: opts.key ? String(opts.key) : undefined,
    } as Deno.CreateHttpClientOptions);
    const headers = new Headers({ Accept: "application/json, */*" });
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (v !== undefined) headers.set(k, String(v));
    }
    if (opts.auth && !headers.has("authorization")) {
      headers.set("Authorization", `Basic ${btoa(opts.auth)}`);
    }
    try {
      const response = await fetch(url, { method: "GET", headers, signal, client });
      observe?.(response.status);
      return response;
    } catch (error) {
      observe?.(undefined);
      throw error;
    }
  };

  const get = async (
    target: Target,
    path: string,
    query: Query,
    outer?: AbortSignal,
    maxBytes = MAX_JSON_BYTES,
  ): Promise<{ text: string; truncated: boolean }> => {
    if (!config.namespaces.includes(target.namespace)) {
      throw new NamespaceNotAllowedError(target.namespace, config.namespaces);
    }
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== "" && v !== false) url.searchParams.set(k, String(v));
    }
    const request: KubeRequest = { ...target, url: url.toString() };
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    try {
      let resp = await send(request.url, signal);
      if (resp.status === 401 && config.source.kind === "in-cluster") {
        // The token file may have been rotated: reload it at once and retry.
        await resp.body?.cancel();
        kc = buildKubeConfig(config);
        resp = await send(request.url, signal);
      }
      const body = await readCapped(resp, resp.ok ? maxBytes : MAX_ERROR_BYTES);
      if (resp.ok) return body;
      throw new KubeApiError(request, resp.status, parseStatus(body.text), body.text);
    } catch (e) {
      if (e instanceof KubeError) throw e;
      if (timeout.aborted) throw new KubeTimeoutError(request.url, config.timeoutMs, { cause: e });
      if (outer?.aborted) {
        throw new KubeError(`Request "${request.url}" was cancelled`, { cause: e });
      }
      throw new KubeUnreachableError(server, errorText(e), { cause: e });
    }
  };

  const json = async <T>(target: Target, path: string, query: Query, signal?: AbortSignal) => {
    const { text, truncated } = await get(target, path, query, signal);
    if (truncated) {
      throw new KubeError(
        `GET "${path}" answered more than ${MAX_JSON_BYTES / 1024 / 1024} MiB; ` +
          `ask for less (limit, labelSelector).`,
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new KubeError(`GET "${path}" returned invalid JSON: ${text.slice(0, 200)}`, {
        cause: e,
      });
    }
  };

  const ns = (n: string) => `/api/v1/namespaces/${encodeURIComponent(n)}`;
  const metricsNs = (n: string) =>
    `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(n)}/pods`;
  const listQuery = (o: ListOptions = {}): Query => ({
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
  });
  const core = (verb: "get" | "list", resource: string, namespace: string, name?: string) => ({
    verb,
    group: "",
    resource,
    namespace,
    name,
  });

  return {
    server,
    listPods: (n: string, o?: ListOptions) =>
      json<KubeList<Pod>>(core("list", "pods", n), `${ns(n)}/pods`, listQuery(o), o?.signal),
    getPod: (n: string, name: string, o?: GetOptions) =>
      json<Pod>(
        core("get", "pods", n, name),
        `${ns(n)}/pods/${encodeURIComponent(name)}`,
        {},
        o?.signal,
      ),
    readLog: async (n: string, pod: string, o: LogOptions = {}) =>
      (await get(
        core("get", "pods/log", n, pod),
        `${ns(n)}/pods/${encodeURIComponent(pod)}/log`,
        {
          container: o.container,
          tailLines: o.tailLines,
          sinceSeconds: o.sinceSeconds,
          limitBytes: o.limitBytes,
          previous: o.previous,
          timestamps: o.timestamps,
        },
        o.signal,
        // The API server honours limitBytes; this holds even if one does not.
        o.limitBytes ?? MAX_JSON_BYTES,
      )).text,
    listPodMetrics: (n: string, o?: ListOptions) =>
      json<KubeList<PodMetrics>>(
        { verb: "list", group: "metrics.k8s.io", resource: "pods", namespace: n },
        metricsNs(n),
        listQuery(o),
        o?.signal,
      ),
    getPodMetrics: (n: string, name: string, o?: GetOptions) =>
      json<PodMetrics>(
        { verb: "get", group: "metrics.k8s.io", resource: "pods", namespace: n, name },
        `${metricsNs(n)}/${encodeURIComponent(name)}`,
        {},
        o?.signal,
      ),
    listEvents: (n: string, o?: ListOptions) =>
      json<KubeList<KubeEvent>>(
        core("list", "events", n),
        `${ns(n)}/events`,
        listQuery(o),
        o?.signal,
      ),
    close: () => {
      client?.close();
      client = undefined;
    },
  };
}

/** Reads at most `max` bytes of a response body; the rest is not read. */
async function readCapped(
  resp: Response,
  max: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!resp.body) return { text: "", truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = resp.body.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    if (size + value.length > max) {
      chunks.push(value.subarray(0, max - size));
      size = max;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { text: new TextDecoder().decode(bytes), truncated };
}

function parseStatus(text: string): KubeStatus | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && v.kind === "Status" ? v as KubeStatus : undefined;
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error
    ? `: ${(e.cause as Error & { code?: string }).code ?? ""} ${e.cause.message}`.trimEnd()
    : "";
  return `${e.message}${cause}`;
}
