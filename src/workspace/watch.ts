/**
 * One debounced, recursive file watcher on the workspace, shared by every
 * MCP session: `Deno.watchFs` events are collected for `debounceMs` and
 * delivered as one batch of changed paths.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";

/** One debounced batch of changes. */
export interface WorkspaceChange {
  /** Absolute paths (under the watched root) that changed. */
  paths: Set<string>;
  /** Something was created, removed or renamed (the file list changed). */
  structural: boolean;
}

/** Options of {@link watchWorkspace}. */
export interface WatchOptions {
  /** Quiet time before a batch is delivered, in ms. @default 200 */
  debounceMs?: number;
  /** Paths whose events are dropped (e.g. sidekernel's internal directory). */
  ignore?: (path: string) => boolean;
  logger: Logger;
}

/** A running watcher. */
export interface WorkspaceWatcher {
  /** Stops watching; pending events are dropped. Idempotent. */
  close(): void;
}

/**
 * Watches `root` recursively and calls `onChange` with debounced batches.
 *
 * @example
 * ```ts
 * const watcher = watchWorkspace("/workspace", (c) => console.error(c.paths), { logger });
 * watcher.close();
 * ```
 */
export function watchWorkspace(
  root: string,
  onChange: (change: WorkspaceChange) => void,
  options: WatchOptions,
): WorkspaceWatcher {
  const debounceMs = options.debounceMs ?? 200;
  let pending: WorkspaceChange = { paths: new Set(), structural: false };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let fsWatcher: Deno.FsWatcher;
  try {
    fsWatcher = Deno.watchFs(root, { recursive: true });
  } catch (error) {
    options.logger.warn("workspace watch unavailable; no resource notifications", {
      path: root,
      error,
    });
    return { close() {} };
  }

  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = { paths: new Set(), structural: false };
    if (closed || batch.paths.size === 0) return;
    try {
      onChange(batch);
    } catch (error) {
      options.logger.error("workspace change handler failed", { error });
    }
  };

  (async () => {
    try {
      for await (const event of fsWatcher) {
        if (event.kind === "access") continue;
        const paths = event.paths.filter((p) => !options.ignore?.(p));
        if (paths.length === 0) continue;
        for (const path of paths) pending.paths.add(path);
        if (event.kind === "create" || event.kind === "remove" || event.kind === "rename") {
          pending.structural = true;
        }
        // Any other kind ("modify", "any", "other") may also hide a new file on some platforms.
        if (event.kind === "any" || event.kind === "other") pending.structural = true;
        clearTimeout(timer);
        timer = setTimeout(flush, debounceMs);
      }
    } catch (error) {
      if (!closed) options.logger.warn("workspace watch stopped", { path: root, error });
    }
  })();

  return {
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      try {
        fsWatcher.close();
      } catch {
        // already closed
      }
    },
  };
}
