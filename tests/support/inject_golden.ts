/**
 * The golden cases of `sidekernel inject`: real manifests from public
 * repositories (tests/golden/inject/SOURCES.md), the flags each runs with, and
 * what the sidecar must end up with (URL, token, shared workspace).
 *
 * @module
 */
import { runInject } from "../../src/inject/run.ts";
import { ROOT } from "./server.ts";

/** Where the golden files are. */
export const GOLDEN = `${ROOT}/tests/golden/inject`;

/** What the injected sidecar must hold, read from the manifest by hand. */
export interface Expected {
  /** `--jupyter-url` of the sidecar. */
  url: string;
  /** How the sidecar gets Jupyter's token. */
  token: { secret: string; key: string } | { literal: string } | "none";
  /** `--workspace-path`. */
  workspace: string;
  /** The volume that holds the workspace in both containers. */
  volume: string;
  /** The Jupyter container. */
  jupyter: string;
}

/** One golden case: `<input>` run with `args` gives `<name>.out.<ext>`, or is left as it is. */
export interface GoldenCase {
  /** Output base name. */
  name: string;
  /** Input file name. */
  input: string;
  /** Flags after `-f -`. */
  args: string[];
  /** Expected sidecar (injected cases), or the skip reason printed on stderr. */
  expect: Expected | { skipped: string };
}

const token = (secret: string, key = "token") => ({ secret, key });

/** Every golden case. */
export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: "jupyterhub-singleuser.pod",
    input: "jupyterhub-singleuser.pod.in.yaml",
    args: [],
    expect: { skipped: "no-token" },
  },
  {
    name: "jupyterhub-singleuser-admission.pod",
    input: "jupyterhub-singleuser-admission.pod.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/user/user-1---751ab4e2/",
      token: { literal: "5bd6b3c0a9e54f6e8d3c1f2a7b9e0d4c" },
      workspace: "/home/jovyan",
      volume: "home",
      jupyter: "notebook",
    },
  },
  {
    name: "kubeflow-notebook.deployment",
    input: "kubeflow-notebook.deployment.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/jupyter/",
      token: "none",
      workspace: "/home/jovyan",
      volume: "workspace",
      jupyter: "katulu-fl-jupyter-full",
    },
  },
  {
    name: "kubeflow-notebook-admission.pod",
    input: "kubeflow-notebook-admission.pod.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/jupyter/",
      token: "none",
      workspace: "/home/jovyan",
      volume: "workspace",
      jupyter: "katulu-fl-jupyter-full",
    },
  },
  {
    name: "odh-notebook.statefulset",
    input: "odh-notebook.statefulset.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/notebook/opendatahub/jovyan/",
      token: "none",
      workspace: "/opt/app-root/src",
      volume: "sidekernel-workspace",
      jupyter: "notebook",
    },
  },
  {
    name: "kernel-gateway.pod",
    input: "kernel-gateway.pod.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/",
      token: token("test-jupyter-secret", "KG_AUTH_TOKEN"),
      workspace: "/workspace",
      volume: "sidekernel-workspace",
      jupyter: "autogen-executor",
    },
  },
  {
    name: "command-executor.pod",
    input: "command-executor.pod.in.yaml",
    args: [],
    expect: { skipped: "no-jupyter" },
  },
  {
    name: "ood-jupyter.pod",
    input: "ood-jupyter.pod.in.json",
    args: [],
    expect: { skipped: "no-token" },
  },
  {
    name: "ood-jupyter-token.pod",
    input: "ood-jupyter.pod.in.json",
    args: ["--jupyter-token-secret", "jupyter-bmurb8sa/token"],
    expect: {
      url: "http://127.0.0.1:8080/",
      token: token("jupyter-bmurb8sa"),
      workspace: "/users/PZS0714/johrstrom",
      volume: "home",
      jupyter: "jupyter",
    },
  },
  {
    name: "docker-stacks-notebook.deployment",
    input: "docker-stacks-notebook.deployment.in.yaml",
    args: ["--jupyter-token-secret", "notebook/token"],
    expect: {
      url: "http://127.0.0.1:8888/",
      token: token("notebook"),
      workspace: "/home/jovyan",
      volume: "data",
      jupyter: "notebook",
    },
  },
  {
    name: "jupyterlab-helm.deployment",
    input: "jupyterlab-helm.deployment.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/",
      token: token("lab-jupyterlab", "application-password"),
      workspace: "/home/jovyan/work",
      volume: "data",
      jupyter: "jupyterlab",
    },
  },
  {
    name: "minimal-notebook.replicaset",
    input: "minimal-notebook.replicaset.in.yaml",
    args: ["--jupyter-token-secret", "jupyter-token/token"],
    expect: {
      url: "http://127.0.0.1:8888/",
      token: token("jupyter-token"),
      workspace: "/home/jovyan",
      volume: "sidekernel-workspace",
      jupyter: "jupyter-con",
    },
  },
  {
    name: "skaha-notebook.job",
    input: "skaha-notebook.job.in.yaml",
    args: [],
    expect: {
      url: "http://127.0.0.1:8888/",
      token: { literal: "q8k3nd5x" },
      workspace: "/arc/home/alice",
      volume: "sidekernel-workspace",
      jupyter: "skaha-notebook-alice-q8k3nd5x",
    },
  },
];

/** Runs `inject` on `input` (given as stdin with `-f -`). */
export async function inject(
  args: string[],
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInject(args, {
    stdin: () => Promise.resolve(input),
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** The output file of a case: same extension as its input. */
export function outputFile(c: GoldenCase): string {
  return `${GOLDEN}/${c.name}.out.${c.input.endsWith(".json") ? "json" : "yaml"}`;
}
