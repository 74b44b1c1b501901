/**
 * Errors of the Jupyter client, typed where callers branch. Messages name the
 * server URL or kernel id and say what to do; they never contain the token.
 *
 * @module
 */

/** The Jupyter Server could not be reached (connection refused, DNS, TLS, timeout). */
export class JupyterUnreachableError extends Error {
  /** Base URL of the server that could not be reached. */
  readonly url: string;

  /**
   * @param url Base URL of the Jupyter Server.
   * @param options `cause`: the underlying network error.
   */
  constructor(url: string, options?: ErrorOptions) {
    super(
      `Jupyter Server at "${url}" is unreachable; check that it runs and that --jupyter-url is right`,
      options,
    );
    this.name = "JupyterUnreachableError";
    this.url = url;
  }
}

/** The Jupyter Server answered a REST call with an unexpected HTTP status. */
export class JupyterHttpError extends Error {
  /** HTTP status code. */
  readonly status: number;

  /**
   * @param what What was wanted, e.g. `POST /api/kernels`.
   * @param status The HTTP status the server answered.
   * @param detail The server's explanation, if any.
   * @param options `cause`, if any.
   */
  constructor(what: string, status: number, detail: string, options?: ErrorOptions) {
    const hint = status === 401 || status === 403
      ? "; check --jupyter-token or --jupyter-token-file"
      : status === 404
      ? "; check --jupyter-url: it must be the server's base URL, with its base path if it has one" +
        ' (e.g. "http://127.0.0.1:8888/user/alice/"), without "/lab" or "/tree"'
      : "";
    super(`${what} failed with HTTP ${status}${detail ? `: ${detail}` : ""}${hint}`, options);
    this.name = "JupyterHttpError";
    this.status = status;
  }
}

/** The kernel does not exist on the server (culled, deleted, or the server restarted). */
export class KernelNotFoundError extends Error {
  /** The missing kernel's id. */
  readonly kernelId: string;

  /**
   * @param kernelId The kernel that is gone.
   * @param options `cause`, if any.
   */
  constructor(kernelId: string, options?: ErrorOptions) {
    super(
      `kernel "${kernelId}" no longer exists on the Jupyter Server (culled, deleted, or the server restarted)`,
      options,
    );
    this.name = "KernelNotFoundError";
    this.kernelId = kernelId;
  }
}

/** The kernel died (or was restarted by the server) while a request was pending. */
export class KernelDeadError extends Error {
  /** The kernel's id. */
  readonly kernelId: string;
  /** A short phrase for the user, e.g. "the kernel died and Jupyter restarted it". */
  readonly reason: string;

  /**
   * @param kernelId The kernel that died.
   * @param reason Why, as a phrase for the user.
   * @param options `cause`, if any.
   */
  constructor(kernelId: string, reason: string, options?: ErrorOptions) {
    super(`kernel "${kernelId}": ${reason}`, options);
    this.name = "KernelDeadError";
    this.kernelId = kernelId;
    this.reason = reason;
  }
}

/** The kernel WebSocket closed and could not be reopened. */
export class KernelChannelClosedError extends Error {
  /** The kernel's id. */
  readonly kernelId: string;

  /**
   * @param kernelId The kernel whose channel closed.
   * @param detail What happened, e.g. "closed with code 1006".
   * @param options `cause`, if any.
   */
  constructor(kernelId: string, detail: string, options?: ErrorOptions) {
    super(`the WebSocket of kernel "${kernelId}" ${detail}`, options);
    this.name = "KernelChannelClosedError";
    this.kernelId = kernelId;
  }
}
