/**
 * Readiness of the pods toolset: can the API be reached and read with the
 * configured credentials?
 *
 * @module
 */
import type { KubeClient } from "./client.ts";
import { explainKubeError } from "./explain.ts";

/** Result of {@link checkKubeReady}. */
export interface KubeReadiness {
  ok: boolean;
  /** One line for `/readyz` and logs. */
  detail: string;
}

/**
 * Lists at most one pod in `namespace` (needs only the `list pods` right the
 * tools need anyway). Never throws.
 *
 * @param timeoutMs gives up after this long (the client's own timeout also applies).
 * @default timeoutMs 3000
 *
 * @example
 * ```ts
 * const r = await checkKubeReady(client, "team-a");
 * // { ok: true, detail: 'Kubernetes API "https://10.0.0.1:443" reachable; pods in "team-a" readable' }
 * ```
 */
export async function checkKubeReady(
  client: KubeClient,
  namespace: string,
  timeoutMs = 3000,
): Promise<KubeReadiness> {
  try {
    await client.listPods(namespace, { limit: 1, signal: AbortSignal.timeout(timeoutMs) });
    return {
      ok: true,
      detail: `Kubernetes API "${client.server}" reachable; pods in "${namespace}" readable`,
    };
  } catch (e) {
    return { ok: false, detail: explainKubeError(e).split("\n")[0] };
  }
}
