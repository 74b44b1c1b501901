/**
 * One fake cluster plus the pods toolset behind an in-memory MCP session,
 * reached through a kubeconfig or through in-cluster service-account files.
 *
 * @module
 */
import { FakeKube, type FakeResource, READ_ALL } from "./fake_kube.ts";
import type { NamespaceData } from "./fake_kube_data.ts";
import { scenarioNamespace } from "./fake_kube_scenarios.ts";
import { connectToolsets, type InMemorySession } from "./mcp_client.ts";
import { type ClusterConfig, resolveClusterConfig } from "../../src/k8s/config.ts";
import { createKubeClient, type KubeClient } from "../../src/k8s/client.ts";
import { createPodsToolset } from "../../src/tools/pods_toolset.ts";

/** The namespace of the fixtures and of the sidecar. */
export const NS = "team-a";
/** A second namespace the default user cannot read. */
export const OTHER_NS = "team-b";
/** The default token. */
export const TOKEN = "agent-token-1";

/** Options of {@link startPodsHarness}. */
export interface HarnessOptions {
  /** How the toolset finds the cluster. @default {"kubeconfig"} */
  via?: "kubeconfig" | "in-cluster";
  /** Resources the default user may read in `NS`. @default {READ_ALL} */
  rights?: readonly FakeResource[];
  /** `--namespace` values. */
  namespaces?: string[];
  podName?: string;
  timeoutMs?: number;
  maxOutput?: number;
  data?: Record<string, NamespaceData>;
}

/** A running harness. */
export interface PodsHarness {
  kube: FakeKube;
  session: InMemorySession;
  config: ClusterConfig;
  client: KubeClient;
  dir: string;
  close(): Promise<void>;
}

/** Starts a fake cluster and connects the pods toolset to it. */
export async function startPodsHarness(options: HarnessOptions = {}): Promise<PodsHarness> {
  const kube = await FakeKube.start(
    options.data ?? { [NS]: scenarioNamespace(NS), [OTHER_NS]: scenarioNamespace(OTHER_NS) },
  );
  kube.addUser(TOKEN, `system:serviceaccount:${NS}:agent`, [NS], options.rights ?? READ_ALL);
  const dir = await Deno.makeTempDir({ prefix: "pods-harness-" });
  const common = {
    namespaces: options.namespaces,
    podName: options.podName,
    timeoutMs: options.timeoutMs,
    home: `${dir}/nohome`,
  };
  const resolved = options.via === "in-cluster"
    ? await resolveClusterConfig({
      ...common,
      serviceAccountDir: await kube.writeServiceAccountDir(`${dir}/sa`, TOKEN, NS),
      apiServerHost: "127.0.0.1",
      apiServerPort: kube.port,
    })
    : await resolveClusterConfig({
      ...common,
      kubeconfigPath: await kube.writeKubeconfig(dir, TOKEN, { namespace: NS }),
      serviceAccountDir: `${dir}/no-sa`,
    });
  if (resolved.kind !== "ready") throw new Error(`harness config: ${resolved.detail}`);
  const client = createKubeClient(resolved.config);
  const toolset = createPodsToolset({
    config: resolved.config,
    client,
    maxOutput: options.maxOutput,
  });
  const session = await connectToolsets(toolset);
  return {
    kube,
    session,
    config: resolved.config,
    client,
    dir,
    close: async () => {
      await session.close();
      client.close();
      await kube.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
