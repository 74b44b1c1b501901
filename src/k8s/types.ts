/**
 * The subset of Kubernetes wire types (JSON as the API server sends it) that
 * the pod tools read. Timestamps stay RFC 3339 strings, quantities stay strings.
 *
 * @module
 */

/** `metadata` of a namespaced object. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  managedFields?: unknown[];
  resourceVersion?: string;
}

/** `metadata` of a list. */
export interface ListMeta {
  continue?: string;
  remainingItemCount?: number;
  resourceVersion?: string;
}

/** A list response. */
export interface KubeList<T> {
  kind?: string;
  apiVersion?: string;
  metadata?: ListMeta;
  items: T[];
}

/** One environment variable of a container spec. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key: string };
    configMapKeyRef?: { name?: string; key: string };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string };
  };
}

/** Requests or limits of a container. */
export type ResourceList = Record<string, string>;

/** A container (or init container) of a pod spec. */
export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  envFrom?: unknown[];
  restartPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  [key: string]: unknown;
}

/** The state of a container: exactly one of the three is set. */
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: {
    reason?: string;
    message?: string;
    exitCode: number;
    signal?: number;
    startedAt?: string;
    finishedAt?: string;
  };
}

/** `status.containerStatuses[]`. */
export interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

/** `status.conditions[]`. */
export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A pod. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    nodeName?: string;
    containers: Container[];
    initContainers?: Container[];
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    hostIP?: string;
    startTime?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    [key: string]: unknown;
  };
}

/** A core/v1 event. */
export interface KubeEvent {
  metadata: ObjectMeta;
  involvedObject: { kind?: string; name?: string; namespace?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics {
  metadata: ObjectMeta;
  timestamp?: string;
  window?: string;
  containers: { name: string; usage: ResourceList }[];
}

/** A `Status` object the API server returns with errors. */
export interface KubeStatus {
  kind?: "Status";
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}
