/**
 * The injection notes as AdmissionReview `warnings` (kubectl prints each as
 * `Warning: …`), and the patch as the base64 the response carries.
 *
 * @module
 */

/** Longest warning kept; the API server may cut longer ones. */
export const MAX_WARNING_LENGTH = 256;
/** Most warnings sent for one pod. */
export const MAX_WARNINGS = 12;

/**
 * Notes → AdmissionReview warnings: one line each, control characters
 * replaced by `?`, prefixed `sidekernel: `, at most
 * {@link MAX_WARNING_LENGTH} characters and {@link MAX_WARNINGS} of them.
 */
export function warnings(notes: readonly string[]): string[] {
  const lines = notes
    // Notes quote the pod's own strings, unvalidated at admission: no control characters.
    // deno-lint-ignore no-control-regex
    .map((note) => note.replace(/\s+/g, " ").replace(/[\u0000-\u001f\u007f]/g, "?").trim())
    .filter((note) => note !== "")
    .map((note) => `sidekernel: ${note}`)
    .map((line) =>
      line.length > MAX_WARNING_LENGTH ? `${line.slice(0, MAX_WARNING_LENGTH - 1)}…` : line
    );
  if (lines.length <= MAX_WARNINGS) return lines;
  const kept = lines.slice(0, MAX_WARNINGS - 1);
  kept.push(`sidekernel: … and ${lines.length - kept.length} more changes (see docs/DEPLOY.md)`);
  return kept;
}

/** Base64 of the UTF-8 bytes of `text`. */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
