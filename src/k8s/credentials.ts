/**
 * Credential masking of free text: container args, header values,
 * annotations, termination and event messages, log lines. Credentials are
 * found by shape (JWTs, cloud and SaaS keys, private keys) and by context
 * (`--token=…`, `password: …`, `Authorization: Bearer …`, `user:pass@` in
 * URLs, secret-looking query parameters), and replaced by a reference that
 * keeps the length, e.g. `<redacted: 40 chars>` (docs/SECURITY.md, "Class 4").
 *
 * Every step is linear in the text: private-key blocks are found with
 * `indexOf`, words are one character-class scan, and each shape starts at a
 * word boundary whose class covers the shape's first run, so no start
 * position is scanned twice by the same shape.
 *
 * @module
 */
import { maskPrivateKeys, maskShapes, redacted } from "./credential_shapes.ts";

export { redacted };

/** Placeholders this module and `redact.ts` write; they are never masked again. */
const PLACEHOLDER = /^<(redacted:|set>|empty>|omitted>|secret|configmap|field|resource|ref>)$/;

const SECRET_WORD =
  /password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|accountkey|masterkey|signingkey|encryptionkey|clientkey|credential|cookie|signature|connectionstring|bearer/;
const SECRET_EXACT = /^(auth|authorization|proxyauthorization|pass|pw|pwd|dsn|sig|sas|xapikey)$/;
const SECRET_END =
  /(password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|accountkey|credentials?|cookie|signature|auth|pwd)$/;
/** Names that hold a reference to a secret, or a count, not the secret itself. */
const NOT_SECRET =
  /(name|names|ref|keyref|file|path|dir|id|ids|ttl|type|mode|url|uri|endpoint|length|size|count|limit|enabled|required|expiry|expires|expiration|policy|tokens|tokenizer|header|prefix|format|version|kind|hash)$/;

/**
 * True when a key (env name, flag, annotation, header, JSON key) names a
 * credential: `API_TOKEN`, `--db-password`, `Authorization`, `x-api-key`,
 * `vault.example/secret` — but not `secretName`, `tokenFile` or `max_tokens`.
 */
export function isSecretKey(key: string): boolean {
  if (key.length > 128) return false;
  const last = key.slice(key.lastIndexOf("/") + 1);
  const k = last.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (k === "" || NOT_SECRET.test(k)) return false;
  return SECRET_EXACT.test(k) || SECRET_WORD.test(k) || (k.endsWith("pwd") && k.length > 3);
}

const WORD = /[^\s"'`,;(){}[\]]+/g;
const SCHEMES = new Set(["bearer", "basic", "token", "digest", "negotiate", "apikey", "sso-key"]);
const BORING =
  /^(true|false|null|none|nil|yes|no|ok|on|off|fail|failed|success|denied|missing|invalid|expired|unknown|required|enabled|disabled|\*+|-+|\.+|\d{1,2})$/i;

function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** True for values that never are credentials: empty, booleans, absolute paths. */
function isHarmless(value: string): boolean {
  return value === "" || isPlaceholder(value) || BORING.test(value) ||
    (/^(\/|~\/)[\w./-]*$/.test(value));
}

function maskValue(value: string): string {
  return isHarmless(value) ? value : redacted(value);
}

/** Masks the password of `scheme://user:pass@host` and secret query parameters. */
function maskUrl(word: string): string {
  const scheme = word.indexOf("://");
  let out = word;
  const hostStart = scheme + 3;
  const slash = out.indexOf("/", hostStart);
  const authority = out.slice(hostStart, slash === -1 ? undefined : slash);
  const at = authority.lastIndexOf("@");
  if (at !== -1) {
    const colon = authority.indexOf(":");
    if (colon !== -1 && colon < at) {
      const pass = authority.slice(colon + 1, at);
      out = out.slice(0, hostStart + colon + 1) + maskValue(pass) + out.slice(hostStart + at);
    }
  }
  return maskQuery(out);
}

/** Masks secret-looking parameters of a query (`?a=1&access_token=x`, or `a=1&b=2`). */
function maskQuery(word: string): string {
  const q = word.indexOf("?");
  const params = word.slice(q + 1).split("&").map((p) => {
    const eq = p.indexOf("=");
    if (eq === -1) return p;
    const key = decodeSafe(p.slice(0, eq));
    const secret = isSecretKey(key) || /^(x-amz-credential|x-goog-credential|code|key)$/i.test(key);
    return secret ? p.slice(0, eq + 1) + maskValue(p.slice(eq + 1)) : p;
  });
  return word.slice(0, q + 1) + params.join("&");
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `user:pass` after `-u`/`--user` (curl, wget): the part after the colon. */
function maskUserPass(value: string): string {
  const colon = value.indexOf(":");
  return colon > 0 && colon < value.length - 1
    ? value.slice(0, colon + 1) + maskValue(value.slice(colon + 1))
    : value;
}

/** What the previous word makes of the next one. */
type Pending = "none" | "separator" | "value" | "header" | "bearer" | "basic" | "userpass";

/**
 * Masks every credential found in `text` by shape or context; the rest of
 * the text is kept as it is. Idempotent: masking masked text changes nothing.
 *
 * @example
 * ```ts
 * maskCredentials("--token=abc123 --verbose"); // "--token=<redacted: 6 chars> --verbose"
 * maskCredentials("Authorization: Bearer eyJhbGciOi…"); // "Authorization: Bearer <redacted: …>"
 * ```
 */
export function maskCredentials(text: string): string {
  if (text.length < 6) return text;
  const shaped = maskShapes(maskPrivateKeys(text));
  let out = "";
  let from = 0;
  let pending: Pending = "none";
  let lastEnd = 0;
  const replace = (start: number, end: number, value: string) => {
    out += shaped.slice(from, start) + value;
    from = end;
  };
  for (const m of shaped.matchAll(WORD)) {
    const word = m[0];
    const start = m.index;
    const end = start + word.length;
    // A value belongs to its key only on the same line.
    if (pending !== "none" && shaped.slice(lastEnd, start).includes("\n")) pending = "none";
    lastEnd = end;
    if (pending !== "none") {
      const was: Pending = pending;
      pending = "none";
      if (word === ":" || word === "=") {
        if (was === "separator" || was === "value" || was === "header") {
          pending = was === "header" ? "header" : "value";
          continue;
        }
      } else if (was !== "separator" && !isPlaceholder(word)) {
        if (was === "header" && SCHEMES.has(word.toLowerCase())) {
          pending = "value";
          continue;
        }
        if (takesValue(was, word)) {
          replace(start, end, was === "userpass" ? maskUserPass(word) : maskValue(word));
          continue;
        }
      } else if (isPlaceholder(word)) continue;
    }
    const lower = word.toLowerCase();
    if (lower === "bearer") {
      pending = "bearer";
      continue;
    }
    if (lower === "basic") {
      pending = "basic";
      continue;
    }
    if (word === "-u" || word === "--user") {
      pending = "userpass";
      continue;
    }
    if (word.includes("://")) {
      const masked = maskUrl(word);
      if (masked !== word) replace(start, end, masked);
      continue;
    }
    if ((word.includes("?") || word.includes("&")) && word.includes("=")) {
      const masked = maskQuery(word);
      if (masked !== word) {
        replace(start, end, masked);
        continue;
      }
    }
    const sep = firstSeparator(word);
    if (sep === -1) {
      if (isSecretKey(word.replace(/^-+/, "")) && /^-{0,2}[\w.\/-]+$/.test(word)) {
        // `--token VALUE` takes the next word; a bare `token` only before `:` or `=`.
        if (/^(proxy-)?authorization$/i.test(word)) pending = "header";
        else pending = word.startsWith("-") ? "value" : "separator";
      }
      continue;
    }
    const key = word.slice(0, sep).replace(/^-+/, "");
    if (!/^[A-Za-z_][\w.-]*$/.test(key) || !isSecretKey(key)) continue;
    const value = word.slice(sep + 1);
    if (value === "") {
      pending = /^(proxy-)?authorization$/i.test(key) ? "header" : "value";
      continue;
    }
    replace(start + sep + 1, end, maskValue(value));
  }
  return from === 0 ? shaped : out + shaped.slice(from);
}

/** Whether `word`, after a word that left `was` pending, is the credential itself. */
function takesValue(was: Pending, word: string): boolean {
  switch (was) {
    case "basic":
      return isBasicCredential(word);
    case "bearer":
      return /^[\w.~+/=-]{8,}$/.test(word);
    case "value":
    case "header":
      return !/^[\w.-]+:$/.test(word) && !word.startsWith("--"); // the next key or flag
    default:
      return true;
  }
}

/**
 * Where a word splits into key and value: at its first `=`, or at a final
 * `:` (`password: x`). A `:` inside a word (`image:tag`, `host:port`) is no
 * separator.
 */
function firstSeparator(word: string): number {
  const eq = word.indexOf("=");
  if (eq !== -1) return eq;
  if (word.endsWith(":")) return word.length - 1;
  // `password:x` counts when the key ends with a secret word (not `token-service:1.2`).
  const colon = word.indexOf(":");
  if (colon < 1 || colon > 64) return -1;
  const key = word.slice(0, colon).toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_END.test(key) ? colon : -1;
}

function isBasicCredential(word: string): boolean {
  if (!/^[A-Za-z0-9+/]{6,}={0,2}$/.test(word)) return false;
  try {
    return atob(word.padEnd(Math.ceil(word.length / 4) * 4, "=")).includes(":");
  } catch {
    return false;
  }
}

/**
 * Masks a command line given as an argument list (container `command`,
 * `args`, exec probes): `["--password", "x"]` masks the value after a
 * secret-looking flag; every element is also masked as text.
 */
export function maskArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    out.push(maskCredentials(arg));
    const next = args[i + 1];
    if (next === undefined || next.startsWith("-")) continue;
    if (arg === "-u" || arg === "--user") {
      out.push(maskUserPass(next));
      i++;
    } else if (/^-{1,2}[\w.-]+$/.test(arg) && isSecretKey(arg.replace(/^-+/, ""))) {
      out.push(maskValue(next));
      i++;
    }
  }
  return out;
}
