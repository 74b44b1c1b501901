/**
 * Test certificates for the admission webhook: a throw-away CA and server
 * certificates it signs (for 127.0.0.1, localhost and the webhook Service's
 * DNS names), made with the `openssl` CLI in a temp dir, plus a way to see
 * which certificate a server presents.
 *
 * @module
 */
import { connect } from "node:tls";

/** A CA that can sign server certificates. */
export interface TestCa {
  dir: string;
  /** PEM of the CA certificate (what a caBundle holds). */
  caCert: string;
  /** Signs a new server certificate + key, written to `<dir>/<name>.crt|.key`. */
  issue(name: string): Promise<{ certFile: string; keyFile: string; fingerprint: string }>;
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Creates a CA (EC P-256, valid 2 days) in a fresh temp dir. */
export async function createTestCa(): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "webhook-ca-" });
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=sidekernel-webhook-test-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:sidekernel-webhook.sidekernel-system.svc\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  return {
    dir,
    caCert: await Deno.readTextFile(`${dir}/ca.crt`),
    async issue(name) {
      await openssl([
        "req",
        ...EC,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${name}`,
      ], dir);
      await openssl([
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
      ], dir);
      const fp = await openssl(
        ["x509", "-in", `${name}.crt`, "-noout", "-fingerprint", "-sha256"],
        dir,
      );
      return {
        certFile: `${dir}/${name}.crt`,
        keyFile: `${dir}/${name}.key`,
        fingerprint: fp.trim().split("=")[1],
      };
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** The SHA-256 fingerprint (`AB:CD:…`) of the certificate `host:port` presents, verified against `ca`. */
export function peerFingerprint(port: number, ca: string, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca, servername: "localhost" }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on("error", reject);
  });
}
