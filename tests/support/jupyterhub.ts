/**
 * Starts a real JupyterHub (Debian `jupyterhub`, 3.0) for tests: the Hub, its
 * configurable-http-proxy, and one user's single-user server behind
 * `/user/alice/`, spawned as a local process. sidekernel reaches it as it
 * would in a Hub-spawned pod: the single-user server's base URL and a Hub API
 * token (here a service's, allowed to use alice's server), which the
 * single-user server checks against the Hub on every request.
 *
 * @module
 */

import {
  delay,
  drain,
  freePort,
  type JupyterServer,
  type JupyterServerOptions,
  killChild,
  killKernels,
  waitForApi,
} from "./jupyter.ts";

const PYTHON = "/usr/bin/python3";
const LOG_KEPT = 8 * 1024 * 1024;
/** Debian's configurable-http-proxy needs Debian's node modules on the path. */
const NODE_PATH = "/usr/share/nodejs";
const USER = "alice";

/** Options of {@link startJupyterHub}: the single-user server's log level and culling. */
export type JupyterHubOptions = Pick<
  JupyterServerOptions,
  "parentDir" | "logLevel" | "cullIdleSeconds"
>;

/**
 * Starts a JupyterHub on free loopback ports, starts alice's server, and waits
 * until `/user/alice/api` answers with the token.
 *
 * @param options Where to put the root dir, log level and culling of the single-user server.
 * @returns The single-user server as a {@link JupyterServer}: `url` is `.../user/alice`,
 *   `token` a Hub API token, `log()` the Hub's and the single-user server's log.
 *   `kill()` and `restart()` are not supported.
 * @throws {Error} When the Hub or the server does not come up within 30 s (the log is in the message).
 *
 * @example
 * ```ts
 * const hub = await startJupyterHub();
 * try {
 *   const res = await fetch(`${hub.url}/api`, { headers: { Authorization: `token ${hub.token}` } });
 *   await res.body?.cancel();
 * } finally {
 *   await hub.stop();
 * }
 * ```
 */
export async function startJupyterHub(options: JupyterHubOptions = {}): Promise<JupyterServer> {
  const parentDir = options.parentDir ?? "workspace";
  await Deno.mkdir(parentDir, { recursive: true });
  const rootDir = await Deno.realPath(
    await Deno.makeTempDir({ dir: parentDir, prefix: ".test-jupyterhub-" }),
  );
  const hubDir = `${rootDir}/.hub`;
  const runtimeDir = `${rootDir}/.runtime`;
  await Deno.mkdir(hubDir);
  await Deno.mkdir(runtimeDir);
  const token = crypto.randomUUID().replaceAll("-", "");
  const port = freePort();
  const proxyApiPort = freePort();
  await Deno.writeTextFile(`${hubDir}/config.py`, hubConfig(rootDir, hubDir, options));
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/user/${USER}`;

  let log = "";
  const child = new Deno.Command(PYTHON, {
    args: ["-m", "jupyterhub", "-f", `${hubDir}/config.py`],
    cwd: hubDir,
    env: {
      HUB_PORT: String(port),
      HUB_API_PORT: String(freePort()),
      HUB_PROXY_API_PORT: String(proxyApiPort),
      HUB_TOKEN: token,
      NODE_PATH,
      JUPYTER_RUNTIME_DIR: runtimeDir,
      PYTHONUNBUFFERED: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const drained = drain(child.stderr, (text) => log = (log + text).slice(-LOG_KEPT));
  const cleanup = async () => {
    await killChild(child);
    await drained;
    await killKernels(rootDir); // the single-user server (its --notebook-dir) and kernels
    await killKernels(`--api-port ${proxyApiPort}`); // the proxy
  };

  try {
    await spawnUserServer(origin, token, child.status);
    if (!(await waitForApi(url, token, child.status))) throw new Error("no answer from /api");
  } catch (err) {
    await cleanup();
    throw new Error(`JupyterHub did not start ${USER}'s server at ${url} (${err}):\n${log}`);
  }

  return {
    url,
    kind: "jupyter_server",
    token,
    rootDir,
    log: () => log,
    async stop() {
      try {
        child.kill("SIGTERM"); // the Hub stops the user's server and the proxy
      } catch { /* already gone */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 15_000)),
      ]);
      clearTimeout(timer);
      if (!exited) await killChild(child);
      await drained;
      await killKernels(rootDir);
      await killKernels(`--api-port ${proxyApiPort}`);
      await Deno.remove(rootDir, { recursive: true }).catch(() => {});
    },
    kill: () => Promise.reject(new Error("startJupyterHub(): kill() is not supported")),
    restart: () => Promise.reject(new Error("startJupyterHub(): restart() is not supported")),
  };
}

/** Waits for the Hub's API, then asks it to start the user's server. */
async function spawnUserServer(
  origin: string,
  token: string,
  exited: Promise<Deno.CommandStatus>,
): Promise<void> {
  let dead = false;
  exited.then(() => dead = true);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !dead) {
    try {
      const res = await fetch(`${origin}/hub/api/users/${USER}/server`, {
        method: "POST",
        headers: { Authorization: `token ${token}` },
      });
      await res.body?.cancel();
      // 201: started; 202: starting; 400: already running.
      if (res.status === 201 || res.status === 202 || res.status === 400) return;
    } catch { /* the proxy is not listening yet */ }
    await delay(200);
  }
  throw new Error(dead ? "the Hub exited" : "the Hub API did not answer in 30 s");
}

/** The Hub's config: dummy auth, local process spawner, a service token that may use alice's server. */
function hubConfig(rootDir: string, hubDir: string, options: JupyterHubOptions): string {
  const args = ["--allow-root"];
  if (options.logLevel) args.push(`--log-level=${options.logLevel}`);
  if (options.cullIdleSeconds !== undefined) {
    args.push(
      `--MappingKernelManager.cull_idle_timeout=${options.cullIdleSeconds}`,
      "--MappingKernelManager.cull_interval=1",
      "--MappingKernelManager.cull_connected=True",
    );
  }
  const py = (value: unknown) => JSON.stringify(value);
  return [
    "import os",
    "c = get_config()",
    'c.JupyterHub.ip = "127.0.0.1"',
    'c.JupyterHub.port = int(os.environ["HUB_PORT"])',
    'c.JupyterHub.hub_ip = "127.0.0.1"',
    'c.JupyterHub.hub_port = int(os.environ["HUB_API_PORT"])',
    'c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:" + os.environ["HUB_PROXY_API_PORT"]',
    'c.JupyterHub.authenticator_class = "dummy"',
    'c.JupyterHub.spawner_class = "simple"',
    `c.JupyterHub.db_url = ${py(`sqlite:///${hubDir}/hub.sqlite`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(`${hubDir}/cookie_secret`)}`,
    `c.JupyterHub.pid_file = ${py(`${hubDir}/hub.pid`)}`,
    `c.Authenticator.allowed_users = {${py(USER)}}`,
    `c.Spawner.args = ${py(args)}`,
    `c.Spawner.notebook_dir = ${py(rootDir)}`,
    `c.Spawner.environment = {"JUPYTER_RUNTIME_DIR": os.environ["JUPYTER_RUNTIME_DIR"]}`,
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(rootDir)}`,
    'c.JupyterHub.services = [{"name": "sidekernel", "api_token": os.environ["HUB_TOKEN"]}]',
    `c.JupyterHub.load_roles = [{"name": "sidekernel", "services": ["sidekernel"], "scopes": ${
      py([`servers!user=${USER}`, `access:servers!user=${USER}`])
    }}]`,
    "",
  ].join("\n");
}
