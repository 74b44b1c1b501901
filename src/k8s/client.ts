/**
 * The read-only Kubernetes façade the pod tools depend on. The client-node
 * implementation is loaded on first use (it costs ~0.3 s and ~80 MB).
 *
 * @module
 */
import type { ClusterConfig } from "./config.ts";
import type { KubeEvent, KubeList, Pod, PodMetrics } from "./types.ts";

/** Called with the HTTP status of every API request (undefined: no answer), for metrics. */
export type KubeObserver = (status: number | undefined) => void;

/** Options of list calls. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  /** Continue token from a previous page. */
  continue?: string;
  signal?: AbortSignal;
}

/** Options of {@link KubeClient.readLog}; they map 1:1 to the API's query. */
export interface LogOptions {
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  previous?: boolean;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/** Options of single-object reads. */
export interface GetOptions {
  signal?: AbortSignal;
}

/**
 * Read-only, namespaced access to pods, logs, metrics and events. GET only;
 * every method refuses namespaces outside the configured ones.
 */
export interface KubeClient {
  /** The API server base URL. */
  readonly server: string;
  listPods(namespace: string, options?: ListOptions): Promise<KubeList<Pod>>;
  getPod(namespace: string, name: string, options?: GetOptions): Promise<Pod>;
  readLog(namespace: string, pod: string, options?: LogOptions): Promise<string>;
  listPodMetrics(namespace: string, options?: ListOptions): Promise<KubeList<PodMetrics>>;
  getPodMetrics(namespace: string, name: string, options?: GetOptions): Promise<PodMetrics>;
  listEvents(namespace: string, options?: ListOptions): Promise<KubeList<KubeEvent>>;
  /** Closes pooled connections; later calls open new ones. */
  close(): void;
}

/**
 * Creates a {@link KubeClient} for `config`; `@kubernetes/client-node` is imported
 * on the first call, not here.
 *
 * @example
 * ```ts
 * const client = createKubeClient(config);
 * const pods = await client.listPods(config.ownNamespace, { limit: 10 });
 * ```
 */
export function createKubeClient(config: ClusterConfig, observe?: KubeObserver): KubeClient {
  let real: Promise<KubeClient> | undefined;
  const load = (): Promise<KubeClient> => {
    real ??= import("./node_client.ts").then((m) => m.createNodeKubeClient(config, observe));
    real.catch(() => (real = undefined));
    return real;
  };
  return {
    server: config.server,
    listPods: async (ns, o) => (await load()).listPods(ns, o),
    getPod: async (ns, n, o) => (await load()).getPod(ns, n, o),
    readLog: async (ns, p, o) => (await load()).readLog(ns, p, o),
    listPodMetrics: async (ns, o) => (await load()).listPodMetrics(ns, o),
    getPodMetrics: async (ns, n, o) => (await load()).getPodMetrics(ns, n, o),
    listEvents: async (ns, o) => (await load()).listEvents(ns, o),
    close: () => {
      real?.then((c) => c.close(), () => {});
    },
  };
}
