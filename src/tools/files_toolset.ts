/**
 * Toolset `files`: the workspace as MCP resources. No tools — the model
 * already lists and reads files with `python`; resources are for the host
 * (attach a plot, show outputs), which is what MCP resources are for.
 *
 * - `resources/list`: the newest files (500 by default), `.sidekernel/` skipped.
 * - template `workspace-file`: `file://<workspace>/{+path}` — files and directories.
 * - template `file`: `file:///{+path}` — any other file URI, answered with an
 *   error that names the workspace (so escapes get a clear refusal).
 * - `resources/subscribe`: `notifications/resources/updated` when a
 *   subscribed file (or anything under a subscribed directory) changes;
 *   `notifications/resources/list_changed` when files appear or go.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
} from "../mcp/sdk.ts";
import {
  InvalidPathError,
  isWithin,
  PathNotFoundError,
  PathOutsideWorkspaceError,
  Workspace,
} from "../workspace/paths.ts";
import { errorCode, NotRegularFileError, PathChangedError } from "../workspace/identity.ts";
import { ResourceTooLargeError } from "../workspace/read.ts";
import {
  isSkippedDirectory,
  listWorkspaceFiles,
  pathOfUri,
  readWorkspaceEntry,
  uriOf,
  workspaceUriPrefix,
} from "../workspace/resources.ts";
import { watchWorkspace, type WorkspaceChange, type WorkspaceWatcher } from "../workspace/watch.ts";
import type { Toolset } from "./tool.ts";

/** Options of {@link createFilesToolset}. */
export interface FilesToolsetOptions {
  /** The workspace directory (`--workspace-path`); must exist when a client first reads. */
  workspacePath: string;
  logger: Logger;
  /** Largest file returned by resources/read, in bytes. @default 10 MiB */
  maxBlobBytes?: number;
  /** Most files in resources/list, newest first. @default 500 */
  maxListed?: number;
  /** Time between two looks at the workspace for changes, in ms. @default 1000 */
  pollMs?: number;
  /** Watch the workspace for notifications. @default true */
  watch?: boolean;
}

/** The `files` toolset; `close()` stops the workspace watcher (on shutdown). */
export interface FilesToolset extends Toolset {
  close(): void;
}

interface Session {
  /** Subscribed URI → real path. */
  subscriptions: Map<string, string>;
}

/**
 * Creates the `files` toolset. Its `resources` is called once per MCP
 * server (one per session) and its `onSessionClosed` when that server closes;
 * the workspace watcher is shared, started with the first server and stopped
 * when the last one closes.
 *
 * @example
 * ```ts
 * const files = createFilesToolset({ workspacePath: "/workspace", logger });
 * const server = createFullServer({ toolsets: [python, files], ... });
 * // on shutdown: files.close();
 * ```
 */
export function createFilesToolset(options: FilesToolsetOptions): FilesToolset {
  const log = options.logger.child({ toolset: "files" });
  const sessions = new Map<McpServer, Session>();
  let opened: Promise<Workspace> | undefined;
  let watcher: WorkspaceWatcher | undefined;

  const workspace = (): Promise<Workspace> => {
    opened ??= Workspace.open(options.workspacePath).catch((error) => {
      opened = undefined; // retry next time: the directory may appear later
      throw error;
    });
    return opened;
  };

  const onChange = (change: WorkspaceChange) => {
    for (const [server, session] of sessions) {
      if (!server.isConnected()) continue;
      if (change.structural) {
        server.server.sendResourceListChanged().catch(() => {});
      }
      for (const [uri, real] of session.subscriptions) {
        const touched = [...change.paths].some((p) => isWithin(real, p) || isWithin(p, real));
        if (touched) server.server.sendResourceUpdated({ uri }).catch(() => {});
      }
    }
  };

  const startWatching = async () => {
    if (watcher || options.watch === false) return;
    const ws = await workspace().catch(() => undefined);
    if (!ws || watcher || sessions.size === 0) return;
    watcher = watchWorkspace(ws.realRoot, onChange, {
      pollMs: options.pollMs,
      walk: { skipDirectory: isSkippedDirectory },
      logger: log,
    });
  };

  const detach = (server: McpServer) => {
    if (!sessions.delete(server) || sessions.size > 0) return;
    watcher?.close();
    watcher = undefined;
  };

  /** Resolves a client's URI to a contained real path, or throws a ProtocolError. */
  const resolveUri = async (uri: string | URL): Promise<{ ws: Workspace; real: string }> => {
    try {
      const url = typeof uri === "string" ? parseUri(uri) : uri;
      const ws = await workspace();
      return { ws, real: await ws.resolve(pathOfUri(url)) };
    } catch (error) {
      throw toMcpError(error, String(uri), log);
    }
  };

  const read = async (uri: URL): Promise<ReadResourceResult> => {
    const { ws, real } = await resolveUri(uri);
    try {
      return {
        contents: [
          await readWorkspaceEntry(ws, real, uri.href, { maxBytes: options.maxBlobBytes }),
        ],
      };
    } catch (error) {
      throw toMcpError(error, uri.href, log);
    }
  };

  return {
    name: "files",
    tools: [],
    close() {
      watcher?.close();
      watcher = undefined;
      sessions.clear();
    },
    onSessionClosed: (server: McpServer) => detach(server),
    resources(server: McpServer) {
      const prefix = workspaceUriPrefix(options.workspacePath);
      const limit = options.maxListed ?? 500;
      server.registerResource(
        "workspace-file",
        new ResourceTemplate(`${prefix}{+path}`, {
          list: async () => {
            const ws = await workspace().catch(() => undefined);
            if (!ws) return { resources: [] };
            const listing = await listWorkspaceFiles(ws, { limit });
            const root = { uri: uriOf(ws, ""), name: "workspace/", mimeType: "text/plain" };
            return { resources: [root, ...listing.resources] };
          },
        }),
        {
          title: "Workspace file or directory",
          description: `A file or directory under the workspace ${prefix} (the path Python ` +
            `code uses). Text files are returned as text, other files as base64 blobs up to ` +
            `the size limit, directories as a listing. resources/list shows the workspace ` +
            `and its ${limit} newest files. Example: ${prefix}outputs/plot.png`,
        },
        (uri) => read(uri),
      );
      server.registerResource(
        "file",
        new ResourceTemplate("file:///{+path}", { list: undefined }),
        {
          title: "Other file URIs",
          description: `Any file: URI outside ${prefix} is refused with an error naming ` +
            `the workspace; only the workspace is readable.`,
        },
        (uri) => read(uri),
      );
      server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
      server.server.setRequestHandler("resources/subscribe", async (request) => {
        const { real } = await resolveUri(request.params.uri);
        sessions.get(server)?.subscriptions.set(request.params.uri, real);
        return {};
      });
      server.server.setRequestHandler("resources/unsubscribe", (request) => {
        sessions.get(server)?.subscriptions.delete(request.params.uri);
        return {};
      });

      sessions.set(server, { subscriptions: new Map() });
      void startWatching();
    },
  };
}

function parseUri(uri: string): URL {
  try {
    return new URL(uri);
  } catch (error) {
    throw new URIError(`"${uri.slice(0, 200)}" is not a URI; use file:///path`, { cause: error });
  }
}

/** Turns a refusal into the protocol error the client sees; logs unexpected failures. */
function toMcpError(error: unknown, uri: string, log: Logger): ProtocolError {
  if (error instanceof ProtocolError) return error;
  uri = uri.length > 200 ? `${uri.slice(0, 120)}…${uri.slice(-60)}` : uri;
  const because = error instanceof Error ? error.message : String(error);
  if (
    error instanceof PathOutsideWorkspaceError || error instanceof InvalidPathError ||
    error instanceof URIError || error instanceof PathChangedError
  ) {
    log.warn("resource refused", { uri, reason: because });
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `cannot read "${uri}": ${because}`);
  }
  if (error instanceof NotRegularFileError) {
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `cannot read "${uri}": ${because}`);
  }
  if (errorCode(error) === "EACCES" || errorCode(error) === "EPERM") {
    return new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `cannot read "${uri}": the server's user may not read it (its mode denies access); ` +
        `make it readable (e.g. chmod a+r) or read it with the python tool`,
    );
  }
  if (error instanceof PathNotFoundError || errorCode(error) === "ENOENT") {
    // On the wire -32602 (Invalid Params), the code the 2026-07-28 spec names for a miss.
    return new ResourceNotFoundError(uri, `cannot read "${uri}": ${because}`);
  }
  if (error instanceof ResourceTooLargeError) {
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `cannot read "${uri}": ${because}`);
  }
  log.error("resource read failed", { uri, error });
  return new ProtocolError(ProtocolErrorCode.InternalError, `cannot read "${uri}": ${because}`);
}
