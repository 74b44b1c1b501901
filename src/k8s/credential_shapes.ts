/**
 * Credentials recognised by their shape alone: JWTs, cloud and SaaS keys,
 * PEM private keys. Linear time: each shape starts at a word boundary whose
 * class covers the shape's first run (so no start position is scanned twice
 * by one shape), and private-key blocks are found with `indexOf`.
 *
 * @module
 */

/** The reference a masked value is shown as. */
export function redacted(value: string): string {
  return `<redacted: ${value.length} chars>`;
}

// Each shape starts after a boundary whose class covers the shape's first run.
const SHAPES = new RegExp(
  [
    String.raw`(?<![\w-])eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*`, // JWT (service-account tokens, OIDC)
    String
      .raw`(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])`, // AWS key id
    String.raw`(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})`, // GitHub
    String.raw`(?<![\w-])glpat-[\w-]{20,}`, // GitLab
    String.raw`(?<![\w-])xox[abposre]-[A-Za-z0-9-]{10,}`, // Slack tokens
    String.raw`(?<=hooks\.slack\.com/services/)[A-Za-z0-9/]{20,}`, // Slack webhook path
    String.raw`(?<![\w-])AIza[\w-]{35}`, // Google API key
    String.raw`(?<![\w-])ya29\.[\w-]{20,}`, // Google OAuth access token
    // OpenAI / Anthropic keys: mixed case with digits, unlike a pod named "sk-payments-…".
    String.raw`(?<![\w-])sk-(?=[\w-]*[A-Z])(?=[\w-]*[0-9])[\w-]{20,}`,
    String.raw`(?<!\w)(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}`, // Stripe
    String.raw`(?<!\w)whsec_[A-Za-z0-9]{20,}`, // webhook signing secrets
    String.raw`(?<!\w)npm_[A-Za-z0-9]{36}`, // npm
    String.raw`(?<!\w)hf_[A-Za-z0-9]{30,}`, // Hugging Face
    String.raw`(?<![\w.-])SG\.[\w-]{16,}\.[\w-]{16,}`, // SendGrid
    String.raw`(?<!\w)do[opr]_v1_[a-f0-9]{64}`, // DigitalOcean
    String.raw`(?<!\w)shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`, // Shopify
    String.raw`(?<![\w-])pypi-[\w-]{50,}`, // PyPI
    String.raw`(?<!\w)dckr_pat_[\w-]{20,}`, // Docker Hub
    String.raw`(?<![\w.])hv[sb]\.[\w-]{20,}`, // Vault
    String.raw`(?<!\w)dapi[a-f0-9]{32}`, // Databricks
    String.raw`(?<![\w-])AGE-SECRET-KEY-1[0-9A-Z]{58}`, // age
  ].join("|"),
  "g",
);

const PEM_BEGIN = "-----BEGIN ";
const PEM_END = "-----END ";

/**
 * Replaces every `-----BEGIN … PRIVATE KEY-----` block (to its END line, or
 * the text's end) by `<redacted: rsa private key, N chars>`; linear time.
 */
export function maskPrivateKeys(text: string): string {
  let at = text.indexOf(PEM_BEGIN);
  if (at === -1) return text;
  let out = "";
  let from = 0;
  while (at !== -1) {
    const labelEnd = text.indexOf("-----", at + PEM_BEGIN.length);
    const label = labelEnd === -1 ? "" : text.slice(at + PEM_BEGIN.length, labelEnd);
    if (labelEnd === -1 || label.length > 40 || !label.includes("PRIVATE KEY")) {
      at = text.indexOf(PEM_BEGIN, at + PEM_BEGIN.length);
      continue;
    }
    const endAt = text.indexOf(PEM_END, labelEnd + 5);
    const close = endAt === -1 ? -1 : text.indexOf("-----", endAt + PEM_END.length);
    const stop = close === -1 ? text.length : close + 5;
    out += text.slice(from, at) + `<redacted: ${label.toLowerCase()}, ${stop - at} chars>`;
    from = stop;
    at = text.indexOf(PEM_BEGIN, stop);
  }
  return out + text.slice(from);
}

/** Replaces every credential of a known shape in `text` by a reference. */
export function maskShapes(text: string): string {
  return text.replace(SHAPES, (m) => redacted(m));
}
