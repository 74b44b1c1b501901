/**
 * The webhook's certificate watcher (`watchCertPair`, src/webhook/certs.ts)
 * on real files: a pair is reported once per change of contents, never for
 * files whose metadata alone changed. A Secret update that the poll caught
 * between its two `stat`s used to be reported twice (the reload counter read
 * 2 after one rotation).
 */
import assert from "node:assert/strict";
import { type CertPair, loadCertPair, watchCertPair } from "../src/webhook/certs.ts";
import { createTestCa } from "./support/webhook_certs.ts";

const INTERVAL_MS = 50;

function waitFor(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const look = () => {
      if (ok()) return resolve();
      if (Date.now() > until) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(look, 20);
    };
    look();
  });
}

Deno.test("watchCertPair: touched files are not a change; a new pair is reported once", async () => {
  const ca = await createTestCa();
  const files = { certFile: `${ca.dir}/tls.crt`, keyFile: `${ca.dir}/tls.key` };
  const put = async (name: string) => {
    const issued = await ca.issue(name);
    await Deno.copyFile(issued.certFile, files.certFile);
    await Deno.copyFile(issued.keyFile, files.keyFile);
    return issued.fingerprint;
  };
  const touch = async (seconds: number) => {
    const at = new Date(Date.now() + seconds * 1000);
    for (const path of [files.certFile, files.keyFile]) await Deno.utime(path, at, at);
  };
  await put("first");
  const changes: CertPair[] = [];
  const errors: Error[] = [];
  const stop = watchCertPair(files, INTERVAL_MS, {
    onChange: (pair) => changes.push(pair),
    onError: (error) => errors.push(error),
  }, await loadCertPair(files));
  try {
    // Metadata only, twice (a new mtime each): nothing to reload.
    await touch(10);
    await new Promise((r) => setTimeout(r, 10 * INTERVAL_MS));
    await touch(20);
    await new Promise((r) => setTimeout(r, 10 * INTERVAL_MS));
    assert.deepEqual(changes.map((c) => c.fingerprint), []);
    assert.deepEqual(errors, []);

    // (Copied one file after the other, a poll may see the new certificate with the old key
    // and report that as an error; the pair is reported when the key follows.)
    const second = await put("second");
    await waitFor("the new pair", () => changes.length > 0);
    // Touched again after the change: still the one reload.
    await touch(30);
    await new Promise((r) => setTimeout(r, 10 * INTERVAL_MS));
    assert.deepEqual(changes.map((c) => c.fingerprint), [second]);
  } finally {
    stop();
    await ca.cleanup();
  }
});
