/**
 * `sidekernel doctor` against real things: temp dirs, /usr/bin/python3, a real
 * Jupyter Server, and the fake Kubernetes API with a user who has the rights
 * the pod tools need and one who lacks some.
 */
import assert from "node:assert/strict";
import { type Config, type ConfigSources, loadConfig } from "../src/config/config.ts";
import { runDoctor } from "../src/doctor/run.ts";
import { FakeKube, READ_ALL } from "./support/fake_kube.ts";
import { enableAccessReview } from "./support/fake_kube_review.ts";
import { scenarioNamespace } from "./support/fake_kube_scenarios.ts";
import { startJupyterServer } from "./support/jupyter.ts";
import { ROOT, SIDEKERNEL_ARGS } from "./support/server.ts";

const NS = "team-a";

function config(args: string[], env: Record<string, string> = {}): Config {
  const sources: ConfigSources = {
    env: (name) => env[name],
    readTextFile: (path) => Deno.readTextFileSync(path),
    isDirectory: () => false,
    cwd: Deno.cwd(),
  };
  return loadConfig(args, sources);
}

async function doctor(cfg: Config, saDir = "/nonexistent/sa") {
  const out: string[] = [];
  const code = await runDoctor(cfg, {
    stdin: () => Promise.resolve(""),
    stdout: (s) => out.push(s),
    stderr: (s) => out.push(s),
  }, { kube: { serviceAccountDir: saDir, timeoutMs: 3000 } });
  const text = out.join("");
  /** The status of the row named `check` ("ok", "WARN", "FAIL"), or undefined. */
  const status = (check: string) =>
    text.split("\n").find((l) => l.slice(8).startsWith(`${check} `))?.slice(0, 6).trim();
  return { code, text, status };
}

async function withDirs<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "doctor-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("doctor passes with a writable workspace and a working python, and prints a table", async () => {
  await withDirs(async (dir) => {
    const r = await doctor(
      config(["--workspace-path", dir, "--python", "/usr/bin/python3", "--toolsets", "python"]),
    );
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /^STATUS {2}CHECK +DETAIL\n/);
    assert.equal(r.status("workspace"), "ok");
    assert.match(r.text, /"\/usr\/bin\/python3" \(Python 3\.\d+\.\d+\) ran print\(1\+1\) → 2/);
    assert.match(r.text, /All checks passed\./);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the probe file is removed");
  });
});

Deno.test("doctor fails a missing workspace and a missing python, with a fix for each", async () => {
  const r = await doctor(
    config([
      "--workspace-path",
      "/nonexistent/workspace",
      "--python",
      "/nonexistent/python3",
      "--toolsets",
      "python",
    ]),
  );
  assert.equal(r.code, 1);
  assert.equal(r.status("workspace"), "FAIL");
  assert.equal(r.status("python"), "FAIL");
  assert.match(r.text, /"\/nonexistent\/workspace" does not exist[^\n]*\n +fix: create it/);
  assert.match(r.text, /"\/nonexistent\/python3" was not found\n +fix: [^\n]*--python/);
  assert.match(r.text, /2 checks failed: apply the fixes above/);
});

Deno.test("doctor fails a workspace that is a file", async () => {
  await withDirs(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    const r = await doctor(
      config([
        "--workspace-path",
        `${dir}/file`,
        "--python",
        "/usr/bin/python3",
        "--toolsets",
        "python",
      ]),
    );
    assert.equal(r.code, 1);
    assert.match(r.text, /FAIL +workspace +"[^"]+\/file" is not a directory/);
  });
});

Deno.test("doctor checks Jupyter: reachable, token valid, a kernel runs 1+1 and is deleted", async () => {
  const server = await startJupyterServer();
  try {
    await withDirs(async (dir) => {
      await Deno.writeTextFile(`${dir}/token`, server.token);
      const good = await doctor(config([
        "--workspace-path",
        dir,
        "--toolsets",
        "python",
        "--jupyter-url",
        server.url,
        "--jupyter-token-file",
        `${dir}/token`,
      ]));
      assert.equal(good.code, 0, good.text);
      assert.equal(good.status("jupyter server"), "ok");
      assert.equal(good.status("jupyter token"), "ok");
      assert.match(good.text, /ok +jupyter kernel +"python3" started, ran 1\+1 → 2, deleted/);
      const kernels = await fetch(`${server.url}/api/kernels`, {
        headers: { Authorization: `token ${server.token}` },
      }).then((r) => r.json());
      assert.deepEqual(kernels, [], "doctor deletes the kernel it started");

      const bad = await doctor(config([
        "--workspace-path",
        dir,
        "--toolsets",
        "python",
        "--jupyter-url",
        server.url,
        "--jupyter-token",
        "wrong-token",
      ]));
      assert.equal(bad.code, 1);
      assert.equal(bad.status("jupyter server"), "ok");
      assert.match(
        bad.text,
        /FAIL +jupyter token +GET \/api\/kernelspecs answered 403: the server refused/,
      );
      assert.match(bad.text, /fix: pass the server's token: --jupyter-token-file FILE/);
      assert.equal(bad.status("jupyter kernel"), undefined, "no kernel is tried without a token");
    });
  } finally {
    await server.stop();
  }
});

Deno.test("doctor fails an unreachable Jupyter Server and says what to start", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await withDirs(async (dir) => {
    const r = await doctor(config([
      "--workspace-path",
      dir,
      "--toolsets",
      "python",
      "--jupyter-url",
      `http://127.0.0.1:${port}`,
    ]));
    assert.equal(r.code, 1);
    assert.match(r.text, /FAIL +jupyter server +"http:\/\/127.0.0.1:\d+" is unreachable/);
    assert.match(r.text, /fix: start Jupyter Server there/);
  });
});

async function withKube(
  fn: (kube: FakeKube, dir: string) => Promise<void>,
): Promise<void> {
  const kube = await FakeKube.start({ [NS]: scenarioNamespace(NS) });
  enableAccessReview(kube);
  try {
    await withDirs((dir) => fn(kube, dir));
  } finally {
    await kube.close();
  }
}

const podsArgs = (dir: string, kubeconfig: string) => [
  "--workspace-path",
  dir,
  "--python",
  "/usr/bin/python3",
  "--kubeconfig",
  kubeconfig,
];

Deno.test("doctor with a user who has the Role: API reachable, own namespace, every right granted", async () => {
  await withKube(async (kube, dir) => {
    kube.addUser("good", `system:serviceaccount:${NS}:sidekernel`, [NS], READ_ALL);
    const r = await doctor(
      config(podsArgs(dir, await kube.writeKubeconfig(dir, "good", { namespace: NS }))),
    );
    assert.equal(r.code, 0, r.text);
    assert.equal(r.status("kubernetes api"), "ok");
    assert.match(r.text, /ok +namespace +own "team-a"/);
    for (const right of ["list pods", "get pods", "get pods/log", "list events"]) {
      assert.equal(r.status(right), "ok", right);
    }
    assert.equal(r.status("list pods.metrics.k8s.io"), "ok");
    // Only reviews were POSTed; nothing else but GETs.
    const posts = kube.nonGetRequests();
    assert.equal(posts.length, 6);
    assert.ok(posts.every((p) => p.path.endsWith("/selfsubjectaccessreviews")));
  });
});

Deno.test("doctor with a user who lacks rights: each missing right fails with the Role as the fix", async () => {
  await withKube(async (kube, dir) => {
    kube.addUser("weak", `system:serviceaccount:${NS}:other`, [NS], ["pods"]);
    const r = await doctor(
      config(podsArgs(dir, await kube.writeKubeconfig(dir, "weak", { namespace: NS }))),
    );
    assert.equal(r.code, 1);
    assert.equal(r.status("list pods"), "ok");
    assert.equal(r.status("get pods/log"), "FAIL");
    assert.equal(r.status("list events"), "FAIL");
    assert.equal(r.status("get pods.metrics.k8s.io"), "WARN", "only pods_top needs metrics");
    assert.match(
      r.text,
      /denied in "team-a": pods_log will fail\n +fix: apply the Role and RoleBinding of deploy\/base/,
    );
  });
});

Deno.test("doctor checks every --namespace, and an unknown token fails the API row", async () => {
  await withKube(async (kube, dir) => {
    kube.addUser("good", "agent", [NS], READ_ALL);
    const both = await doctor(config([
      ...podsArgs(dir, await kube.writeKubeconfig(dir, "good", { namespace: NS })),
      "--namespace",
      NS,
      "--namespace",
      "team-b",
    ]));
    assert.equal(both.code, 1);
    assert.match(both.text, /ok +list pods +granted in "team-a"/);
    assert.match(both.text, /FAIL +list pods +denied in "team-b"/);
    const stranger = await doctor(
      config(podsArgs(dir, await kube.writeKubeconfig(dir, "nobody", { name: "kc2" }))),
    );
    assert.equal(stranger.code, 1);
    assert.match(
      stranger.text,
      /FAIL +kubernetes api +"https:\/\/127.0.0.1:\d+" refused the credentials \(401\)/,
    );
  });
});

Deno.test("doctor in a pod reads the service-account files", async () => {
  await withKube(async (kube, dir) => {
    kube.addUser("sa-token", `system:serviceaccount:${NS}:sidekernel`, [NS], READ_ALL);
    const sa = await kube.writeServiceAccountDir(`${dir}/sa`, "sa-token", NS);
    const cfg = config(["--workspace-path", dir, "--python", "/usr/bin/python3"], {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: String(kube.port),
      HOME: `${dir}/nohome`,
    });
    const r = await doctor(cfg, sa);
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /ok +kubernetes config +in-cluster service account/);
  });
});

Deno.test("doctor without any cluster config warns that the pods toolset is left out, and passes", async () => {
  await withDirs(async (dir) => {
    const r = await doctor(
      config(["--workspace-path", dir, "--python", "/usr/bin/python3"], { HOME: `${dir}/nohome` }),
    );
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /WARN +kubernetes config +none found/);
    assert.match(r.text, /All required checks passed; 1 warning\./);
  });
});

Deno.test("doctor fails an unreachable API server", async () => {
  await withDirs(async (dir) => {
    const kube = await FakeKube.start();
    const path = await kube.writeKubeconfig(dir, "t");
    await kube.close();
    const r = await doctor(config(podsArgs(dir, path)));
    assert.equal(r.code, 1);
    assert.match(
      r.text,
      /FAIL +kubernetes api +Kubernetes API "https:\/\/127.0.0.1:\d+" is unreachable/,
    );
  });
});

// The real program, with the permission set of the binary.

Deno.test({
  name: "sidekernel doctor as a process: table on stdout, exit 0 when all pass, 1 when one fails",
  fn: async () => {
    const ws = `${ROOT}/workspace/.doctor-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(ws, { recursive: true });
    const run = async (args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [...SIDEKERNEL_ARGS, "doctor", ...args],
        cwd: ROOT,
        stdin: "null",
      }).output();
      return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
    };
    try {
      const good = await run(["--workspace-path", ws, "--toolsets", "python"]);
      assert.equal(good.code, 0, good.stdout);
      assert.match(good.stdout, /ok +python +"python3" \(Python 3/);
      const bad = await run(["--workspace-path", `${ws}/missing`, "--toolsets", "python"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /FAIL +workspace/);
    } finally {
      await Deno.remove(ws, { recursive: true });
    }
  },
});
