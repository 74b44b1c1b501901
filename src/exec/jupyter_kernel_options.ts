/**
 * Options of one managed kernel (`jupyter_kernel.ts`) and the life events it reports.
 *
 * @module
 */

import type { JupyterRestClient } from "../kernel/rest.ts";
import type { Logger } from "../obs/log.ts";

/** Options of {@link ManagedKernel}. */
export interface ManagedKernelOptions {
  rest: JupyterRestClient;
  kernelName: string;
  /** `path` of `POST /api/kernels`: the cwd relative to the server's root dir. */
  kernelPath: string;
  /** When set and it exists in the kernel's filesystem, the kernel `chdir`s there on start. */
  workspacePath?: string;
  timeoutSeconds: number;
  interruptGraceMs: number;
  /** How long to retry reaching the server when a kernel must be (re)started. */
  startTimeoutMs: number;
  /** Before running code on a kernel idle this long, check that it still exists. */
  staleCheckMs: number;
  logger: Logger;
  pongAfterFrame?: boolean;
  /** Told about kernel life events (metrics). */
  events?: KernelEvents;
}

/** Kernel life events, for metrics. */
export interface KernelEvents {
  started(): void;
  /** A kernel this process created was deleted or vanished. */
  stopped(): void;
  restarted(reason: "reset" | "timeout" | "died"): void;
}
