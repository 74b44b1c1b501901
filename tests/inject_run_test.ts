/**
 * The real run: for golden files, start Jupyter Server the way the manifest
 * does (its base URL, token, root dir) and sidekernel with exactly the args and
 * env `inject` put into the sidecar — with the pod's paths mapped into a temp
 * dir, its ports mapped to free loopback ports (8888/8000 may be taken on a
 * shared machine) and `--host 0.0.0.0` to 127.0.0.1 — then check `/readyz`,
 * and that a file the python tool writes is listed as a resource.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { connectStreamable, firstText } from "./support/clients.ts";
import { GOLDEN } from "./support/inject_golden.ts";
import { ROOT, startServer } from "./support/server.ts";

type Container = {
  name: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
};

/** A Jupyter Server started with the manifest's base URL, token and (mapped) root dir. */
async function startJupyter(token: string, baseUrl: string) {
  await Deno.mkdir(`${ROOT}/workspace`, { recursive: true });
  const rootDir = await Deno.realPath(
    await Deno.makeTempDir({ dir: `${ROOT}/workspace`, prefix: ".test-inject-" }),
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const child = new Deno.Command("/usr/bin/python3", {
    args: [
      "-m",
      "jupyter_server",
      "--allow-root",
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.token=${token}`,
      `--ServerApp.base_url=${baseUrl}`,
      `--ServerApp.root_dir=${rootDir}`,
    ],
    env: { JUPYTER_RUNTIME_DIR: `${rootDir}/.runtime`, PYTHONUNBUFFERED: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const api = `http://127.0.0.1:${port}/${baseUrl.replace(/^\/+|\/+$/g, "")}/api`.replace(
    /\/\/api$/,
    "/api",
  );
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      const res = await fetch(api, { headers: { Authorization: `token ${token}` } });
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Jupyter Server did not answer ${api}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    rootDir,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(rootDir, { recursive: true });
    },
  };
}

/** The sidecar of the pod template in an injected golden file. */
async function sidecarOf(file: string): Promise<Container> {
  const doc = parse(await Deno.readTextFile(`${GOLDEN}/${file}`));
  const spec = doc.kind === "Pod" ? doc.spec : doc.spec.template.spec;
  return spec.initContainers.find((c: Container) => c.name === "sidekernel");
}

interface RunCase {
  file: string;
  /** Jupyter's token as the pod gives it (`""`: none). */
  token: string;
  /** Jupyter's base URL and root dir, as the manifest has them. */
  baseUrl: string;
  rootDir: string;
}

const runs: RunCase[] = [
  {
    file: "odh-notebook.statefulset.out.yaml",
    token: "",
    baseUrl: "/notebook/opendatahub/jovyan",
    rootDir: "/opt/app-root/src",
  },
  {
    file: "jupyterhub-singleuser-admission.pod.out.yaml",
    token: "5bd6b3c0a9e54f6e8d3c1f2a7b9e0d4c",
    baseUrl: "/user/user-1---751ab4e2/",
    rootDir: "/home/jovyan",
  },
  {
    file: "docker-stacks-notebook.deployment.out.yaml",
    token: "from-the-notebook-secret",
    baseUrl: "/",
    rootDir: "/home/jovyan",
  },
];

for (const run of runs) {
  Deno.test({
    name: `real run of ${run.file}: /readyz ok, a file written by python is a resource`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const sidecar = await sidecarOf(run.file);
      const jupyter = await startJupyter(run.token, run.baseUrl);
      const fake = await Deno.makeTempDir({ dir: jupyter.rootDir, prefix: ".pod-" });
      const map = (path: string) =>
        path === run.rootDir || path.startsWith(`${run.rootDir}/`)
          ? jupyter.rootDir + path.slice(run.rootDir.length)
          : `${fake}${path}`;
      const mcpToken = crypto.randomUUID();
      const args = [...sidecar.args];
      assert.equal(args.shift(), "serve");
      const value = (flag: string) => args[args.indexOf(flag) + 1];
      const put = (flag: string, v: string) => (args[args.indexOf(flag) + 1] = v);
      for (
        const [flag, content] of [
          ["--auth-token-file", mcpToken],
          ["--jupyter-token-file", run.token],
        ]
      ) {
        if (!args.includes(flag)) continue;
        const path = map(value(flag));
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        await Deno.writeTextFile(path, content);
        put(flag, path);
      }
      const url = new URL(value("--jupyter-url"));
      assert.equal(url.pathname, `/${run.baseUrl.replace(/^\/+|\/+$/g, "")}/`.replace("//", "/"));
      url.port = String(jupyter.port);
      put("--jupyter-url", url.href);
      assert.equal(value("--workspace-path"), run.rootDir, "Jupyter's root dir is shared");
      put("--workspace-path", map(run.rootDir));
      put("--host", "127.0.0.1");
      put("--port", "0");
      const env: Record<string, string> = { KUBECONFIG: `${fake}/no-kubeconfig`, HOME: fake };
      for (const e of sidecar.env ?? []) {
        env[e.name] = e.value ??
          (e.valueFrom?.fieldRef?.fieldPath === "metadata.name" ? "agent-0" : "default");
      }
      if (run.token && !args.includes("--jupyter-token-file")) {
        assert.equal(env.SIDEKERNEL_JUPYTER_TOKEN, run.token, "the pod's literal token");
      }

      const server = await startServer(args, { workspace: map(run.rootDir), env });
      try {
        const ready = await fetch(`${server.url}/readyz`);
        const body = await ready.json();
        assert.equal(ready.status, 200, JSON.stringify(body));
        assert.equal(body.checks.executor.ok, true);
        const client = await connectStreamable(`${server.url}/mcp`, {
          Authorization: `Bearer ${mcpToken}`,
        });
        try {
          const text = firstText(
            await client.callTool({
              name: "python",
              arguments: { code: "open('report.txt', 'w').write('made in the pod')\nprint('ok')" },
            }),
          );
          assert.equal(text, "ok\n");
          const written = await Deno.readTextFile(`${jupyter.rootDir}/report.txt`);
          assert.equal(written, "made in the pod", "in Jupyter's root dir");
          const { resources } = await client.listResources();
          assert.ok(
            resources.some((r) => r.uri.endsWith("/report.txt") || r.name === "report.txt"),
            JSON.stringify(resources.map((r) => r.uri)),
          );
        } finally {
          await client.close();
        }
      } finally {
        assert.equal(await server.stop(), 0);
        await jupyter.stop();
      }
    },
  });
}
