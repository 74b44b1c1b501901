/**
 * A container's command line and env as the kubelet sees them: `command` +
 * `args` with `$(VAR)` expanded from literal env values, a `sh -c SCRIPT` split
 * into words, and `--flag=value` / `--flag value` lookups.
 *
 * @module
 */
import { type Obj, obj, objs, str, strs } from "./shape.ts";

/** One env var of a container: a literal, a Secret/ConfigMap key, or something else. */
export type EnvValue =
  | { kind: "value"; value: string }
  | { kind: "secret" | "configMap"; name: string; key: string; optional: boolean }
  | { kind: "other" };

const SHELLS = /^(\/usr)?(\/bin\/)?(ba|da|z)?sh$/;
/**
 * The container's command line as words: `command` + `args`, with `$(VAR)`
 * expanded from literal env values; a `sh -c SCRIPT` is split into words.
 */
export function commandWords(container: Obj): string[] {
  const env = envOf(container);
  const expand = (s: string) =>
    s.replace(/\$\((\w+)\)|\$\{(\w+)\}/g, (whole, a, b) => {
      const v = env.get(a ?? b);
      return v?.kind === "value" ? v.value : whole;
    });
  const words = [...strs(container.command), ...strs(container.args)].map(expand);
  const c = words.findIndex((w) => w === "-c" || w === "-lc");
  if (c > 0 && SHELLS.test(words[0]) && words[c + 1] !== undefined) {
    return [...words.slice(0, c), ...splitShell(words[c + 1]), ...words.slice(c + 2)];
  }
  return words;
}

/** Splits a shell script into words (quotes removed; `;`, `&&`, `|` are words). */
export function splitShell(script: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(;|&&|\|\||\|)|([^\s"';|&]+)/g;
  let current: string | undefined;
  let last = 0;
  for (const m of script.matchAll(re)) {
    const gap = script.slice(last, m.index);
    if (/\s/.test(gap) && current !== undefined) {
      words.push(current);
      current = undefined;
    }
    last = m.index + m[0].length;
    if (m[3] !== undefined) {
      if (current !== undefined) words.push(current);
      words.push(m[3]);
      current = undefined;
      continue;
    }
    current = (current ?? "") + (m[1] ?? m[2] ?? m[4]);
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** The container's env, by name (later entries win, as in Kubernetes). */
export function envOf(container: Obj): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  for (const e of objs(container.env)) {
    const name = str(e.name);
    if (!name) continue;
    const from = obj(e.valueFrom);
    const ref = obj(from?.secretKeyRef) ?? obj(from?.configMapKeyRef);
    if (from === undefined) env.set(name, { kind: "value", value: str(e.value) ?? "" });
    else if (ref && str(ref.name) && str(ref.key)) {
      env.set(name, {
        kind: from.secretKeyRef ? "secret" : "configMap",
        name: str(ref.name) ?? "",
        key: str(ref.key) ?? "",
        optional: ref.optional === true,
      });
    } else env.set(name, { kind: "other" });
  }
  return env;
}

/** The last value of `--NAME=V` or `--NAME V` among `words`, with where it came from. */
export function flagValue(words: string[], names: string[]): [string, string] | undefined {
  let found: [string, string] | undefined;
  words.forEach((w, i) => {
    for (const n of names) {
      if (w === `--${n}` && words[i + 1] !== undefined && !words[i + 1].startsWith("--")) {
        found = [unquote(words[i + 1]), `--${n}`];
      } else if (w.startsWith(`--${n}=`)) found = [unquote(w.slice(n.length + 3)), `--${n}`];
    }
  });
  return found;
}

function unquote(s: string): string {
  return /^(['"])(.*)\1$/.exec(s)?.[2] ?? s;
}
