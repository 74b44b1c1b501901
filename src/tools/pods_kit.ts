/**
 * What every pod tool shares: its dependencies, the common parameters and
 * annotations, and the wrapper that turns any failure into an error result.
 *
 * @module
 */
import { z } from "zod";
import type { CallToolResult } from "../mcp/sdk.ts";
import { errorResult } from "./tool.ts";
import type { Logger } from "../obs/log.ts";
import type { KubeClient } from "../k8s/client.ts";
import { explainKubeError } from "../k8s/explain.ts";
import type { NamespaceGuard } from "../k8s/guard.ts";
import { KubeApiError, KubeError } from "../k8s/errors.ts";
import { maskCredentials } from "../k8s/credentials.ts";
import { maskDeep } from "../k8s/redact.ts";

/** What the pod tools need. */
export interface PodsToolDeps {
  client: KubeClient;
  guard: NamespaceGuard;
  /** Own pod name (`POD_NAME`), the default of `pods_get`. */
  podName?: string;
  /** Characters of text before truncation. */
  maxOutput: number;
  logger: Logger;
  /** Clock (ms since epoch); injectable for tests. */
  now: () => number;
}

/** Annotations of every pod tool: read-only, closed world. */
export const READ_ONLY_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

/** The `namespace` parameter, documented with the allowed namespaces. */
export function namespaceParam(guard: NamespaceGuard): z.ZodOptional<z.ZodString> {
  const list = guard.allowed.map((n) => `"${n}"`).join(", ");
  return z.string().optional().describe(
    `Namespace (default "${guard.defaultNamespace}"; allowed: ${list}).`,
  );
}

/**
 * Masks credentials in a whole tool result, text and structuredContent: the
 * last wall behind the masking each tool does at the source.
 */
export function maskResult(result: CallToolResult): CallToolResult {
  const masked: CallToolResult = {
    ...result,
    content: result.content.map((c) =>
      c.type === "text" ? { ...c, text: maskCredentials(c.text) } : c
    ),
  };
  if (result.structuredContent) masked.structuredContent = maskDeep(result.structuredContent);
  return masked;
}

/**
 * Runs a tool body; any thrown error becomes an `isError` result explaining
 * what happened and what to do (it never escapes the handler). Every result
 * passes {@link maskResult}.
 */
export async function runKubeTool(
  deps: PodsToolDeps,
  tool: string,
  body: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return maskResult(await body());
  } catch (e) {
    const level = e instanceof KubeError && !(e instanceof KubeApiError && e.status >= 500)
      ? "info"
      : "warn";
    deps.logger[level]("pod tool failed", { tool, error: e });
    return maskResult(errorResult(explainKubeError(e)));
  }
}
