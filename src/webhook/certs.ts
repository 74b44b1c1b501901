/**
 * The webhook's certificate and key: loaded, checked to belong together, and
 * re-read when they change on disk.
 *
 * cert-manager (and the kubelet, for any Secret volume) replaces the files by
 * swapping a `..data` symlink in the mounted directory, so a watch on the old
 * file never fires. Polling `stat` of each path follows the symlink anew every
 * time, sees the new inode, and needs no permission beyond reading the two
 * files (see docs/DEPLOY.md, "Automatic injection").
 *
 * @module
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";

/** A certificate chain and its key, checked to match. */
export interface CertPair {
  /** PEM certificate chain, leaf first. */
  cert: string;
  /** PEM private key of the leaf. */
  key: string;
  /** The leaf's notAfter. */
  notAfter: Date;
  /** SHA-256 fingerprint of the leaf (`AB:CD:…`), for logs. */
  fingerprint: string;
}

/** The files cannot be used: unreadable, not PEM, or a key that is not the certificate's. */
export class CertificateError extends Error {
  /** The file at fault. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertificateError";
    this.path = path;
  }
}

/** The two file paths. */
export interface CertFiles {
  certFile: string;
  keyFile: string;
}

/**
 * Reads both files and checks that the key is the leaf certificate's.
 *
 * @throws {CertificateError} naming the file and what to do
 */
export async function loadCertPair(files: CertFiles): Promise<CertPair> {
  const cert = await readPem(files.certFile, "--tls-cert-file");
  const key = await readPem(files.keyFile, "--tls-key-file");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new CertificateError(
      files.certFile,
      `--tls-cert-file "${files.certFile}" is not a PEM certificate (${reason(error)})`,
      { cause: error },
    );
  }
  let keyPublic: string;
  try {
    keyPublic = spki(createPublicKey(createPrivateKey(key)));
  } catch (error) {
    throw new CertificateError(
      files.keyFile,
      `--tls-key-file "${files.keyFile}" is not a PEM private key (${reason(error)})`,
      { cause: error },
    );
  }
  if (keyPublic !== spki(leaf.publicKey)) {
    throw new CertificateError(
      files.keyFile,
      `--tls-key-file "${files.keyFile}" is not the key of the certificate in ` +
        `"${files.certFile}" (subject "${leaf.subject.replaceAll("\n", ", ")}"); ` +
        `give the key the certificate was issued for`,
    );
  }
  return { cert, key, notAfter: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 };
}

/** What the watcher reports. */
export interface CertWatchEvents {
  /** A new, valid pair is on disk. */
  onChange(pair: CertPair): void;
  /** Changed files could not be used; the current pair stays in service. */
  onError(error: CertificateError): void;
}

/**
 * Polls the two files every `intervalMs` and reports a changed pair, once:
 * files whose metadata changed but whose contents are the pair in service
 * (touched, or the two stat'ed on either side of a Secret's `..data` swap)
 * are not a change. A half-written change (new certificate, old key) is
 * reported as an error and tried again at the next change of either file.
 *
 * @param serving the pair in service, if any: a different pair found at the first look is reported
 * @returns a function that stops the polling
 * @example
 * ```ts
 * const stop = watchCertPair(files, 5000, { onChange: (p) => use(p), onError: log });
 * ```
 */
export function watchCertPair(
  files: CertFiles,
  intervalMs: number,
  events: CertWatchEvents,
  serving?: CertPair,
): () => void {
  let last: string | undefined;
  let inService = serving;
  let stopped = false;
  /** Reports `pair` unless it is the pair in service (files touched, or stat'ed across a swap). */
  const report = (pair: CertPair) => {
    if (pair.cert === inService?.cert && pair.key === inService?.key) return;
    inService = pair;
    events.onChange(pair);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const now = await signature(files);
      if (last === undefined) {
        last = now;
        // A change between the first load and this look is not lost.
        if (serving) report(await loadCertPair(files));
      } else if (now !== last) {
        last = now;
        try {
          report(await loadCertPair(files));
        } catch (error) {
          if (!(error instanceof CertificateError)) throw error;
          events.onError(error);
        }
      }
    } catch (error) {
      if (error instanceof CertificateError) events.onError(error);
      else events.onError(new CertificateError(files.certFile, reason(error), { cause: error }));
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function signature(files: CertFiles): Promise<string> {
  const parts: string[] = [];
  for (
    const [path, flag] of [[files.certFile, "--tls-cert-file"], [files.keyFile, "--tls-key-file"]]
  ) {
    try {
      const info = await Deno.stat(path);
      parts.push(`${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}`);
    } catch (error) {
      throw new CertificateError(path, `${flag} "${path}" cannot be read now (${reason(error)})`, {
        cause: error,
      });
    }
  }
  return parts.join("|");
}

async function readPem(path: string, flag: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new CertificateError(path, `${flag} "${path}" cannot be read (${reason(error)})`, {
      cause: error,
    });
  }
}

function spki(key: ReturnType<typeof createPublicKey>): string {
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

function reason(error: unknown): string {
  if (error instanceof Error) return error.name === "Error" ? error.message : error.name;
  return String(error);
}
