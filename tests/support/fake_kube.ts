/**
 * A fake Kubernetes API server at the HTTP level: HTTPS with its own CA,
 * bearer tokens mapped to users with per-namespace rights, real `Status`
 * errors, pods/logs/events/metrics, selectors, paging, failure modes, and a
 * record of every request.
 *
 * @module
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateTestCerts, type TestCerts } from "./fake_kube_tls.ts";
import type { NamespaceData } from "./fake_kube_data.ts";
import { route } from "./fake_kube_routes.ts";

/** Resources a user may read (both `get` and `list`). */
export type FakeResource = "pods" | "pods/log" | "events" | "metrics.k8s.io/pods";
/** Everything the pod tools read. */
export const READ_ALL: readonly FakeResource[] = [
  "pods",
  "pods/log",
  "events",
  "metrics.k8s.io/pods",
];

/** A user behind a bearer token. */
export interface FakeUser {
  name: string;
  /** namespace → readable resources. */
  rules: Record<string, readonly FakeResource[]>;
}

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  user?: string;
  accept?: string;
}

/** How the fake answers: normally, with 500 on every call, or never. */
export type FakeMode = "normal" | "error500" | "hang";

/** A running fake API server on 127.0.0.1 and a random port. */
export class FakeKube {
  /** Base URL, e.g. `https://127.0.0.1:43123`. */
  readonly url: string;
  readonly port: number;
  readonly certs: TestCerts;
  /** Served data per namespace; tests may edit it between calls. */
  readonly namespaces: Map<string, NamespaceData>;
  /** Bearer token → user. */
  readonly users = new Map<string, FakeUser>();
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** When false, `metrics.k8s.io` answers 404 like a cluster without metrics-server. */
  metricsAvailable = true;
  /** When true, logs are sent whole, as if the server ignored `limitBytes`. */
  ignoreLimitBytes = false;
  mode: FakeMode = "normal";
  /** Answers authenticated POSTs when set (e.g. access reviews); otherwise they get 405. */
  postRoute?: (user: FakeUser, url: URL, body: string) => Response | Promise<Response>;
  #server: Server;
  #hanging: (() => void)[] = [];

  private constructor(
    server: Server,
    port: number,
    certs: TestCerts,
    namespaces: Map<string, NamespaceData>,
  ) {
    this.#server = server;
    this.port = port;
    this.url = `https://127.0.0.1:${port}`;
    this.certs = certs;
    this.namespaces = namespaces;
  }

  /**
   * Starts the fake with `namespaces` as its data.
   *
   * @example
   * ```ts
   * const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
   * kube.users.set("t0ken", { name: "system:serviceaccount:team-a:agent", rules: { "team-a": READ_ALL } });
   * ```
   */
  static async start(namespaces: Record<string, NamespaceData> = {}): Promise<FakeKube> {
    const certs = await generateTestCerts();
    const ref: { kube?: FakeKube } = {};
    const { promise, resolve } = Promise.withResolvers<number>();
    // node:https, not Deno.serve: Deno's TLS server leaves Nagle on, so every response
    // over ~1.5 kB stalls 40 ms on the client's delayed ACK; the real API server sets
    // TCP_NODELAY, and so does this one.
    const server = createServer({ cert: certs.cert, key: certs.key, noDelay: true }, (req, res) => {
      void serveNode(req, res, (request) => ref.kube!.#handle(request));
    });
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    const port = await promise;
    ref.kube = new FakeKube(server, port, certs, new Map(Object.entries(namespaces)));
    return ref.kube;
  }

  /** Adds a user with `token` reading `resources` in each of `namespaces`. */
  addUser(
    token: string,
    name: string,
    namespaces: readonly string[],
    resources: readonly FakeResource[] = READ_ALL,
  ): void {
    this.users.set(token, {
      name,
      rules: Object.fromEntries(namespaces.map((ns) => [ns, resources])),
    });
  }

  /** Writes a kubeconfig with the CA embedded and `token`; returns its path. */
  async writeKubeconfig(
    dir: string,
    token: string,
    options: { namespace?: string; name?: string } = {},
  ): Promise<string> {
    const path = `${dir}/${options.name ?? "kubeconfig"}`;
    const ca = btoa(this.certs.caCert);
    await Deno.writeTextFile(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: fake",
        "clusters:",
        "- name: fake",
        "  cluster:",
        `    server: ${this.url}`,
        `    certificate-authority-data: ${ca}`,
        "contexts:",
        "- name: fake",
        "  context:",
        "    cluster: fake",
        "    user: fake",
        ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
        "users:",
        "- name: fake",
        "  user:",
        `    token: ${token}`,
        "",
      ].join("\n"),
    );
    return path;
  }

  /** Writes `token`, `ca.crt` and `namespace` like a mounted service account; returns `dir`. */
  async writeServiceAccountDir(dir: string, token: string, namespace: string): Promise<string> {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/token`, token);
    await Deno.writeTextFile(`${dir}/ca.crt`, this.certs.caCert);
    await Deno.writeTextFile(`${dir}/namespace`, namespace);
    return dir;
  }

  /** Requests that were not GETs (should stay empty). */
  nonGetRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== "GET");
  }

  /** Stops the server (hanging requests are released first) and removes the temp dir. */
  async close(): Promise<void> {
    for (const release of this.#hanging.splice(0)) release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Deno.remove(this.certs.dir, { recursive: true }).catch(() => {});
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const token = req.headers.get("authorization")?.replace(/^Bearer\s+/i, "").trim();
    const user = token ? this.users.get(token) : undefined;
    this.requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      user: user?.name,
      accept: req.headers.get("accept") ?? undefined,
    });
    const body = req.method === "POST" && this.postRoute ? await req.text() : undefined;
    if (body === undefined) await req.body?.cancel();
    if (this.mode === "hang") {
      await new Promise<void>((resolve) => this.#hanging.push(resolve));
      return new Response("shutting down", { status: 503 });
    }
    if (this.mode === "error500") {
      return statusResponse(
        500,
        "InternalError",
        "Internal error occurred: etcdserver: request timed out",
      );
    }
    if (!user) return statusResponse(401, "Unauthorized", "Unauthorized");
    if (body !== undefined && this.postRoute) return await this.postRoute(user, url, body);
    if (req.method !== "GET") {
      return statusResponse(
        405,
        "MethodNotAllowed",
        `the server does not allow this method on the requested resource`,
      );
    }
    return await route(this, user, url, req.headers.get("accept") ?? "");
  }
}

/** A JSON `Status` error response, as the API server sends it. */
export function statusResponse(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, string>,
): Response {
  return Response.json(
    {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      details,
      code,
    },
    { status: code },
  );
}

/** Bridges node:https to a web-standard handler. */
async function serveNode(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (request: Request) => Promise<Response>,
): Promise<void> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && chunks.length > 0;
  const request = new Request(`https://127.0.0.1${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? new Blob(chunks as BlobPart[]) : undefined,
  });
  try {
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      for await (const chunk of response.body) {
        if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      }
    }
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}
