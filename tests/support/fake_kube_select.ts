/**
 * Label and field selectors as the API server parses them (the subset used
 * in tests: `=`, `==`, `!=`, `in`, `notin`, exists, `!` not-exists).
 *
 * @module
 */

/** A parsed selector: true when an object matches. */
export type Matcher = (get: (key: string) => string | undefined) => boolean;

/** Thrown for selectors the fake cannot parse (the server answers 400). */
export class SelectorError extends Error {}

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) terms.push(cur.trim());
  return terms;
}

/** Parses a label selector. */
export function parseLabelSelector(selector: string): Matcher {
  const checks = splitTerms(selector).map((term): Matcher => {
    let m = term.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/);
    if (m) {
      const [, key, op, list] = m;
      const values = list.split(",").map((v) => v.trim());
      return (get) => {
        const v = get(key);
        return op === "in" ? v !== undefined && values.includes(v) : !values.includes(v ?? "\0");
      };
    }
    m = term.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/);
    if (m) {
      const [, key, op, value] = m;
      return (get) => op === "!=" ? get(key) !== value : get(key) === value;
    }
    m = term.match(/^(!?)([\w./-]+)$/);
    if (m) {
      const [, not, key] = m;
      return (get) => (get(key) !== undefined) !== (not === "!");
    }
    throw new SelectorError(`unable to parse requirement: ${term}`);
  });
  return (get) => checks.every((c) => c(get));
}

/** Parses a field selector, refusing keys outside `supported`. */
export function parseFieldSelector(selector: string, supported: readonly string[]): Matcher {
  const checks = splitTerms(selector).map((term): Matcher => {
    const m = term.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
    const [, key, op, value] = m;
    if (!supported.includes(key)) {
      throw new SelectorError(`field label not supported: ${key}`);
    }
    return (get) => op === "!=" ? get(key) !== value : (get(key) ?? "") === value;
  });
  return (get) => checks.every((c) => c(get));
}
