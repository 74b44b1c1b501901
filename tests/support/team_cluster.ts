/**
 * The cluster most server tests run against: a {@link FakeKube} serving the
 * `team-a` scenario, the agent's ServiceAccount token reading it, and a
 * kubeconfig for that token written under `<workspace>/.kube/` (the server's
 * permission set reads only the workspace and the in-cluster files).
 *
 * @module
 */
import { join } from "node:path";
import { FakeKube, READ_ALL } from "./fake_kube.ts";
import { scenarioNamespace } from "./fake_kube_scenarios.ts";

/** The started cluster and the kubeconfig path to pass as `--kubeconfig`. */
export interface TeamCluster {
  kube: FakeKube;
  kubeconfig: string;
}

/** Starts the `team-a` cluster and writes its kubeconfig into `workspace`. */
export async function startTeamCluster(workspace: string): Promise<TeamCluster> {
  const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
  kube.addUser("tok", "system:serviceaccount:team-a:agent", ["team-a"], READ_ALL);
  const kubeDir = join(workspace, ".kube");
  Deno.mkdirSync(kubeDir, { recursive: true });
  const kubeconfig = await kube.writeKubeconfig(kubeDir, "tok", { namespace: "team-a" });
  return { kube, kubeconfig };
}
