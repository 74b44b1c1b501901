/**
 * Checks of the Jupyter executor: the server answers, the token is accepted,
 * and a kernel starts, runs `1+1`, and is deleted again.
 *
 * @module
 */
import type { ExecutorConfig } from "../config/config.ts";
import { KernelConnection } from "../kernel/connection.ts";
import { JupyterHttpError, JupyterUnreachableError } from "../kernel/errors.ts";
import { JupyterRestClient } from "../kernel/rest.ts";
import { silentLogger } from "../obs/log.ts";
import { type CheckRow, fail, ok } from "./report.ts";

/** Options of {@link checkJupyter}. */
export interface JupyterCheckOptions {
  /** Per-request timeout. @default 10000 */
  requestTimeoutMs?: number;
  /** How long the kernel may take to start and answer `1+1`. @default 60000 */
  kernelTimeoutMs?: number;
}

type JupyterExecutor = Extract<ExecutorConfig, { kind: "jupyter" }>;

/**
 * Runs the Jupyter checks in order; a failing check ends the list (later
 * ones could not pass).
 *
 * @param executor the `jupyter` executor config (URL, token, kernel name)
 */
export async function checkJupyter(
  executor: JupyterExecutor,
  options: JupyterCheckOptions = {},
): Promise<CheckRow[]> {
  const timeout = options.requestTimeoutMs ?? 10_000;
  // The REST client takes a `?token=` out of the URL: `url` is safe to print.
  const rest = new JupyterRestClient({
    url: executor.url.toString(),
    token: executor.token,
    requestTimeoutMs: timeout,
  });
  const url = rest.url;
  const rows: CheckRow[] = [];

  // 1. Reachable: GET /api (Kernel Gateway wants the token even there; a refused
  // token is the next row's business).
  try {
    const res = await fetch(`${url}/api`, {
      headers: rest.authHeaders(),
      signal: AbortSignal.timeout(timeout),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok && res.status !== 401 && res.status !== 403) {
      return [
        fail(
          "jupyter server",
          `GET "${url}/api" answered ${res.status}`,
          `check --jupyter-url: it must be the server's base URL (with its base_url path, if any)`,
        ),
      ];
    }
    rows.push(ok("jupyter server", `"${url}" answers (Jupyter Server ${body.version ?? "?"})`));
  } catch (e) {
    return [
      fail(
        "jupyter server",
        `"${url}" is unreachable (${e instanceof Error ? e.name : String(e)})`,
        `start Jupyter Server there (in the pod: the Jupyter container on 127.0.0.1:8888), ` +
          `or fix --jupyter-url`,
      ),
    ];
  }

  // 2. Token: GET /api/kernelspecs is 200 with a valid token, 403 (or 401) without,
  // on every server kind (Kernel Gateway refuses GET /api/kernels unless
  // KG_LIST_KERNELS is set, so that one cannot be the test).
  try {
    const specs = await rest.kernelSpecs();
    rows.push(
      ok("jupyter token", `accepted (kernels: ${Object.keys(specs.kernelspecs).join(", ")})`),
    );
  } catch (e) {
    if (e instanceof JupyterHttpError && (e.status === 401 || e.status === 403)) {
      rows.push(
        fail(
          "jupyter token",
          `GET /api/kernelspecs answered ${e.status}: the server ${
            executor.token ? "refused the token" : "needs a token"
          }`,
          `pass the server's token: --jupyter-token-file FILE (in a pod: the "jupyter-token" ` +
            `Secret mounted at /var/run/secrets/jupyter/token)`,
        ),
      );
    } else {
      rows.push(fail("jupyter token", describe(e), `check the Jupyter Server's log`));
    }
    return rows;
  }

  // 3. A kernel starts, runs 1+1, and is deleted.
  rows.push(await runOnePlusOne(rest, executor.kernelName, options.kernelTimeoutMs ?? 60_000));
  return rows;
}

async function runOnePlusOne(
  rest: JupyterRestClient,
  kernelName: string,
  timeoutMs: number,
): Promise<CheckRow> {
  const check = "jupyter kernel";
  let kernelId: string | undefined;
  let conn: KernelConnection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = Date.now();
  try {
    kernelId = (await rest.createKernel(kernelName, "")).id;
    conn = await KernelConnection.open({ rest, kernelId, logger: silentLogger });
    let result = "";
    const future = conn.execute("1+1", (msg) => {
      const data = (msg.content as { data?: Record<string, unknown> }).data;
      if (msg.header.msg_type === "execute_result" && data) result = String(data["text/plain"]);
    });
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const reply = await Promise.race([future.done, expired]);
    if (reply === "timeout") {
      return fail(
        check,
        `kernel "${kernelName}" did not run 1+1 within ${timeoutMs / 1000} s`,
        `check the Jupyter container's CPU and memory, and its log`,
      );
    }
    if (reply.status !== "ok" || result !== "2") {
      return fail(
        check,
        `kernel "${kernelName}" ran 1+1 with status "${reply.status}", result "${result}"`,
        `check the kernel's Python environment (ipykernel installed?)`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return ok(check, `"${kernelName}" started, ran 1+1 → 2, deleted (${seconds} s)`);
  } catch (e) {
    const unknownKernel = e instanceof JupyterHttpError && e.status >= 400 && !kernelId;
    return fail(
      check,
      describe(e),
      unknownKernel
        ? `pass --kernel-name with a kernelspec the server has (GET /api/kernelspecs lists them)`
        : `check the Jupyter Server's log; kernels need ipykernel in the Jupyter container`,
    );
  } finally {
    clearTimeout(timer);
    conn?.close();
    if (kernelId) await rest.deleteKernel(kernelId).catch(() => {});
  }
}

function describe(e: unknown): string {
  if (e instanceof JupyterUnreachableError || e instanceof JupyterHttpError) return e.message;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
