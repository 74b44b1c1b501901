/**
 * Jupyter Server REST client: kernels and kernel specs.
 *
 * Auth is the `Authorization: token <T>` header on every request, the kernel
 * WebSocket upgrade included (see {@link JupyterRestClient.authHeaders}):
 * jupyter_server 1.x and 2.x, the classic Notebook 6.x and Kernel Gateway all
 * accept it. The token is never put in a URL, because Jupyter logs request
 * URLs (every request at `--log-level DEBUG`, failed ones at any level); a
 * `?token=` pasted into `--jupyter-url` is taken out of the URL and used as the
 * token. The token never appears in errors or logs (docs/JUPYTER.md).
 *
 * A server without a token (auth done in front of it, e.g. by a proxy) checks
 * XSRF on every `POST`/`DELETE`: Tornado's double-submit check, the
 * `X-XSRFToken` header must match the `_xsrf` cookie. Both are sent on every
 * request that is not a `GET`, with one random value per client (a browser
 * page of another site can neither read nor set that cookie, which is what the
 * check protects; a client of its own sends both). Servers with a token skip
 * the check.
 *
 * @module
 */

import { retry } from "../async/retry.ts";
import { JupyterHttpError, JupyterUnreachableError, KernelNotFoundError } from "./errors.ts";

/** A kernel as `GET /api/kernels/{id}` describes it. */
export interface KernelModel {
  id: string;
  name: string;
  last_activity?: string;
  /** e.g. "idle", "busy", "starting", "dead". */
  execution_state?: string;
  connections?: number;
}

/** `GET /api/kernelspecs`, reduced to what sidekernel reads. */
export interface KernelSpecs {
  default: string;
  kernelspecs: Record<string, unknown>;
}

/** Options of {@link JupyterRestClient}. */
export interface JupyterRestOptions {
  /**
   * Base URL, e.g. `http://127.0.0.1:8888`; a base path such as `/user/alice/` is kept.
   * A `?token=` in it is removed from the URL and used when `token` is not given.
   */
  url: string;
  /** Server token; omitted when the server has none. */
  token?: string;
  /**
   * Per-request timeout.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /** Injectable fetch (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A small typed client for the Jupyter Server REST API.
 *
 * @example
 * ```ts
 * const rest = new JupyterRestClient({ url: "http://127.0.0.1:8888", token: "secret" });
 * const kernel = await rest.createKernel("python3", "");
 * await rest.deleteKernel(kernel.id);
 * ```
 */
export class JupyterRestClient {
  /** Base URL without a trailing slash, query or fragment (safe to log). */
  readonly url: string;
  readonly #token?: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  /** The `_xsrf` value sent as both cookie and header (hex: Tornado's plain token form). */
  readonly #xsrf = [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");

  /** @param options Server URL, token, timeout. */
  constructor(options: JupyterRestOptions) {
    const { base, token } = splitUrl(options.url);
    this.url = base;
    this.#token = options.token || token;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * The kernel WebSocket URL. It carries no token: open it with {@link authHeaders}.
   *
   * @param kernelId Kernel id.
   * @param sessionId Client session id; reconnecting with the same id replays buffered messages.
   * @returns A `ws:`/`wss:` URL.
   */
  channelsUrl(kernelId: string, sessionId: string): string {
    const u = new URL(`${this.url}/api/kernels/${encodeURIComponent(kernelId)}/channels`);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("session_id", sessionId);
    return u.toString();
  }

  /**
   * The headers that authenticate a request: `Authorization: token <T>`, or none
   * when the server has no token. Sent on REST calls and on the WebSocket upgrade.
   *
   * @returns A fresh object; it contains the token: never log it.
   */
  authHeaders(): Record<string, string> {
    return this.#token ? { Authorization: `token ${this.#token}` } : {};
  }

  /**
   * `GET /api`: the server's version.
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   * @throws {JupyterHttpError} On a non-2xx answer (401/403: wrong token).
   */
  async info(): Promise<{ version: string }> {
    return await this.#json("GET", "/api") as { version: string };
  }

  /**
   * `GET /api/kernelspecs`.
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   * @throws {JupyterHttpError} On a non-2xx answer.
   */
  async kernelSpecs(): Promise<KernelSpecs> {
    return await this.#json("GET", "/api/kernelspecs") as KernelSpecs;
  }

  /**
   * `POST /api/kernels`: starts a kernel.
   *
   * @param name Kernel spec name, e.g. `python3`.
   * @param path The kernel's cwd, relative to the server's root dir (`""` = the root dir).
   * @throws {JupyterUnreachableError} When the server cannot be reached.
   * @throws {JupyterHttpError} On a non-2xx answer (e.g. 500 for an unknown kernel name).
   */
  async createKernel(name: string, path: string): Promise<KernelModel> {
    return await this.#json("POST", "/api/kernels", { name, path }) as KernelModel;
  }

  /** `GET /api/kernels`. @throws {JupyterUnreachableError} @throws {JupyterHttpError} */
  async listKernels(): Promise<KernelModel[]> {
    return await this.#json("GET", "/api/kernels") as KernelModel[];
  }

  /**
   * `GET /api/kernels/{id}`.
   * @throws {KernelNotFoundError} When the kernel is gone (404).
   * @throws {JupyterUnreachableError} @throws {JupyterHttpError}
   */
  async getKernel(kernelId: string): Promise<KernelModel> {
    return await this.#json("GET", kernelPath(kernelId), undefined, kernelId) as KernelModel;
  }

  /**
   * `POST /api/kernels/{id}/interrupt` (SIGINT to the kernel).
   * @throws {KernelNotFoundError} @throws {JupyterUnreachableError} @throws {JupyterHttpError}
   */
  async interruptKernel(kernelId: string): Promise<void> {
    await this.#json("POST", `${kernelPath(kernelId)}/interrupt`, undefined, kernelId);
  }

  /**
   * `POST /api/kernels/{id}/restart`; resolves when the new process answers.
   * @throws {KernelNotFoundError} @throws {JupyterUnreachableError} @throws {JupyterHttpError}
   */
  async restartKernel(kernelId: string): Promise<KernelModel> {
    return await this.#json(
      "POST",
      `${kernelPath(kernelId)}/restart`,
      undefined,
      kernelId,
    ) as KernelModel;
  }

  /**
   * `DELETE /api/kernels/{id}`; a kernel that is already gone counts as deleted.
   * A 5xx is retried twice, a second apart: the classic Notebook 6.4 answers 500
   * to a DELETE that comes while it restarts a kernel that died.
   * @throws {JupyterUnreachableError} @throws {JupyterHttpError}
   */
  async deleteKernel(kernelId: string): Promise<void> {
    await retry(async () => {
      try {
        await this.#json("DELETE", kernelPath(kernelId), undefined, kernelId);
      } catch (err) {
        if (!(err instanceof KernelNotFoundError)) throw err;
      }
    }, {
      attempts: 3,
      backoff: 1000,
      retryIf: (err) => err instanceof JupyterHttpError && err.status >= 500,
    });
  }

  async #json(
    method: string,
    path: string,
    body?: unknown,
    kernelId?: string,
  ): Promise<unknown> {
    const headers = this.authHeaders();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") {
      headers["X-XSRFToken"] = this.#xsrf;
      headers.Cookie = `_xsrf=${this.#xsrf}`;
    }
    let res: Response;
    try {
      res = await this.#fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new JupyterUnreachableError(this.url, { cause: err });
    }
    const text = await res.text();
    if (res.status === 404 && kernelId !== undefined) throw new KernelNotFoundError(kernelId);
    if (!res.ok) {
      throw new JupyterHttpError(`${method} ${this.url}${path}`, res.status, serverMessage(text));
    }
    return text ? JSON.parse(text) : undefined;
  }
}

/** Splits a `?token=` off a base URL; drops any query and fragment, and trailing slashes. */
function splitUrl(url: string): { base: string; token?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { base: url.replace(/\/+$/, "") };
  }
  const token = parsed.searchParams.get("token") || undefined;
  parsed.search = "";
  parsed.hash = "";
  return { base: parsed.toString().replace(/\/+$/, ""), token };
}

function kernelPath(kernelId: string): string {
  return `/api/kernels/${encodeURIComponent(kernelId)}`;
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; reason?: string };
    return (body.message || body.reason || "").slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
