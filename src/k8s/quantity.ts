/**
 * Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `123456n`)
 * as numbers: CPU in millicores, memory in bytes.
 *
 * @module
 */

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * Parses a quantity into its base unit (cores or bytes); `undefined` if invalid.
 *
 * @example
 * ```ts
 * parseQuantity("250m"); // 0.25
 * parseQuantity("128Mi"); // 134217728
 * ```
 */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = q.trim().match(
    /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
  );
  if (!m) return undefined;
  const v = Number(m[1]) * SUFFIX[m[2] ?? ""];
  return Number.isFinite(v) ? v : undefined;
}

/** CPU quantity in millicores (rounded), or `undefined`. */
export function cpuMilli(q: string | undefined): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}

/** Memory quantity in MiB (one decimal below 10), or `undefined`. */
export function memMi(q: string | undefined): number | undefined {
  const v = parseQuantity(q);
  if (v === undefined) return undefined;
  const mi = v / 2 ** 20;
  return mi < 10 ? Math.round(mi * 10) / 10 : Math.round(mi);
}
