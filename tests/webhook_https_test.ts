/**
 * `sidekernel webhook` as a real process over real HTTPS with a test CA: the
 * certificate mounted the way the kubelet mounts a Secret (a `..data`
 * symlink swapped on update), 200 concurrent reviews, a rotation in the middle
 * of them, a clean stop on SIGTERM, and usage errors that name the flag.
 */
import assert from "node:assert/strict";
import { connect as tlsConnect } from "node:tls";
import { DEFAULT_INJECT_OPTIONS, injectPod } from "../src/inject/core.ts";
import { createTestCa, peerFingerprint, type TestCa } from "./support/webhook_certs.ts";
import {
  applyAnswer,
  envelope,
  loadReview,
  type Obj,
  reviewFor,
} from "./support/webhook_harness.ts";
import { postReview, runWebhookCli, startWebhook } from "./support/webhook_process.ts";

/** A Secret volume as the kubelet writes it: tls.crt → ..data/tls.crt, ..data → ..<timestamp>. */
interface SecretVolume {
  dir: string;
  certFile: string;
  keyFile: string;
  /** Atomically points ..data at a new certificate, as the kubelet does on a Secret update. */
  swap(name: string): Promise<string>;
}

async function secretVolume(ca: TestCa, first: string): Promise<SecretVolume> {
  const dir = `${ca.dir}/volume`;
  await Deno.mkdir(dir);
  let generation = 0;
  const swap = async (name: string) => {
    const issued = await ca.issue(name);
    const data = `..2026_12_01_00_00_0${generation++}.000000001`;
    await Deno.mkdir(`${dir}/${data}`);
    await Deno.copyFile(issued.certFile, `${dir}/${data}/tls.crt`);
    await Deno.copyFile(issued.keyFile, `${dir}/${data}/tls.key`);
    await Deno.symlink(data, `${dir}/..data_tmp`);
    await Deno.rename(`${dir}/..data_tmp`, `${dir}/..data`);
    return issued.fingerprint;
  };
  await swap(first);
  await Deno.symlink("..data/tls.crt", `${dir}/tls.crt`);
  await Deno.symlink("..data/tls.key", `${dir}/tls.key`);
  return { dir, certFile: `${dir}/tls.crt`, keyFile: `${dir}/tls.key`, swap };
}

function jobPod(): Obj {
  return (loadReview("pod_create_job").request as Obj).object as Obj;
}

Deno.test("sidekernel webhook: 200 concurrent reviews over HTTPS, a certificate rotated mid-run, nothing fails", async () => {
  const ca = await createTestCa();
  const volume = await secretVolume(ca, "first");
  const webhook = await startWebhook([
    "--tls-cert-file",
    volume.certFile,
    "--tls-key-file",
    volume.keyFile,
    "--tls-reload-interval",
    "0.2",
  ]);
  const client = Deno.createHttpClient({ caCerts: [ca.caCert] });
  try {
    const permissions = JSON.parse(
      webhook.logs.find((l) => l.includes('"webhook worker permissions"')) ?? "{}",
    ).permissions;
    assert.deepEqual(permissions, {
      net: ["127.0.0.1"],
      read: [volume.certFile, volume.keyFile],
      write: false,
      run: false,
      env: false,
      sys: false,
      ffi: false,
      import: false,
    });
    const first = await peerFingerprint(webhook.port, ca.caCert);
    const expected = injectPod(jobPod(), DEFAULT_INJECT_OPTIONS);
    assert.equal(expected.kind, "injected");
    const one = async () => {
      const body = reviewFor(jobPod());
      const { status, text } = await postReview(client, webhook.url, body);
      assert.equal(status, 200, text);
      const answer = envelope(text);
      assert.equal(answer.uid, (body.request as Obj).uid);
      assert.deepEqual(applyAnswer(jobPod(), answer), expected.kind === "injected" && expected.pod);
    };
    // Half the reviews are sent, the Secret is updated while they are in flight, then the rest.
    const inFlight = Array.from({ length: 100 }, one);
    const second = await volume.swap("second");
    const results = await Promise.allSettled([...inFlight, ...Array.from({ length: 100 }, one)]);
    const failed = results.filter((r) => r.status === "rejected");
    assert.equal(failed.length, 0, `failed: ${failed.map((f) => String(f.reason)).slice(0, 3)}`);

    let seen = first;
    const until = Date.now() + 20_000;
    while (seen !== second && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await peerFingerprint(webhook.port, ca.caCert);
    }
    assert.notEqual(first, second);
    assert.equal(seen, second, "new connections get the new certificate");
    const after = await Promise.allSettled(Array.from({ length: 50 }, one));
    assert.equal(after.filter((r) => r.status === "rejected").length, 0);
    assert.ok(
      webhook.logs.some((l) => l.includes('"certificate reloaded; new connections use it"')),
    );
    const metrics = await (await fetch(`${webhook.url}/metrics`, { client })).text();
    assert.match(metrics, /sidekernel_webhook_reviews_total\{outcome="injected",reason=""\} 250/);
    assert.match(metrics, /sidekernel_webhook_certificate_reloads_total\{result="ok"\} 1/);
  } finally {
    client.close();
    const { code, ms } = await webhook.stop();
    await ca.cleanup();
    assert.equal(code, 0);
    assert.ok(ms < 10_000, `stopped in ${ms} ms`);
  }
});

Deno.test("sidekernel webhook: a half-written certificate change keeps the old one in service", async () => {
  const ca = await createTestCa();
  const a = await ca.issue("a");
  const b = await ca.issue("b");
  const cert = `${ca.dir}/tls.crt`;
  const key = `${ca.dir}/tls.key`;
  await Deno.copyFile(a.certFile, cert);
  await Deno.copyFile(a.keyFile, key);
  const webhook = await startWebhook([
    "--tls-cert-file",
    cert,
    "--tls-key-file",
    key,
    "--tls-reload-interval",
    "0.1",
  ]);
  try {
    await Deno.writeTextFile(cert, await Deno.readTextFile(b.certFile)); // key not yet written
    // A poll may also catch the certificate half-written ("not a PEM certificate"); the
    // warning that matters names the key that does not fit.
    const mismatch = (l: string) =>
      l.includes("certificate change not used") &&
      /--tls-key-file .* is not the key of the certificate/.test(l);
    const until = Date.now() + 20_000;
    while (!webhook.logs.some(mismatch) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const warning = webhook.logs.find(mismatch);
    assert.match(warning ?? "", /--tls-key-file .* is not the key of the certificate/);
    assert.equal(
      await peerFingerprint(webhook.port, ca.caCert),
      a.fingerprint,
      "the old pair is served",
    );
    await Deno.writeTextFile(key, await Deno.readTextFile(b.keyFile));
    let seen = a.fingerprint;
    while (seen !== b.fingerprint && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await peerFingerprint(webhook.port, ca.caCert);
    }
    assert.equal(seen, b.fingerprint, "once the key matches, the new pair is served");
  } finally {
    const { code } = await webhook.stop();
    await ca.cleanup();
    assert.equal(code, 0);
  }
});

Deno.test("sidekernel webhook: a review in flight at SIGTERM is answered, then it exits 0", async () => {
  const ca = await createTestCa();
  const { certFile, keyFile } = await ca.issue("stop");
  const webhook = await startWebhook(["--tls-cert-file", certFile, "--tls-key-file", keyFile]);
  try {
    const body = JSON.stringify(reviewFor(jobPod()));
    const half = Math.floor(body.length / 2);
    let got = "";
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: webhook.port,
      ca: ca.caCert,
      servername: "localhost",
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("data", (chunk: Uint8Array) => got += new TextDecoder().decode(chunk));
    await new Promise<void>((resolve) => socket.on("secureConnect", () => resolve()));
    socket.write(
      `POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${new TextEncoder().encode(body).byteLength}\r\n\r\n${
          body.slice(0, half)
        }`,
    );
    await new Promise((r) => setTimeout(r, 300));
    webhook.terminate();
    await new Promise((r) => setTimeout(r, 500));
    socket.write(body.slice(half));
    const until = Date.now() + 10_000;
    while (!got.includes('"AdmissionReview"') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    socket.end();
    await closed;
    assert.match(got, /^HTTP\/1\.1 200 /, "the review in flight is answered");
    assert.match(got, /"patchType":"JSONPatch"/);
  } finally {
    const { code, ms } = await webhook.stop();
    await ca.cleanup();
    assert.equal(code, 0);
    assert.ok(ms < 12_000, `exited ${Math.round(ms)} ms after SIGTERM`);
  }
});

Deno.test("sidekernel webhook: usage errors exit 2 and name the flag and file", async () => {
  const ca = await createTestCa();
  try {
    const a = await ca.issue("a");
    const b = await ca.issue("b");
    const cases: [string[], RegExp][] = [
      [[], /--tls-cert-file is required/],
      [["--tls-cert-file", a.certFile], /--tls-key-file is required/],
      [
        ["--tls-cert-file", "/nonexistent/tls.crt", "--tls-key-file", a.keyFile],
        /--tls-cert-file "\/nonexistent\/tls.crt" cannot be read \(NotFound\)/,
      ],
      [
        ["--tls-cert-file", a.certFile, "--tls-key-file", b.keyFile],
        /--tls-key-file ".*b.key" is not the key of the certificate in ".*a.crt"/,
      ],
      [
        ["--tls-cert-file", a.keyFile, "--tls-key-file", a.keyFile],
        /--tls-cert-file ".*a.key" is not a PEM certificate/,
      ],
      [
        ["--tls-cert-file", a.certFile, "--tls-key-file", a.keyFile, "--port", "99999"],
        /--port "99999" is not a whole number from 0 to 65535/,
      ],
      [
        ["--tls-cert-file", a.certFile, "--tls-key-file", a.keyFile, "--sidecar-mode", "sideways"],
        /--sidecar-mode "sideways" is not one of: native, container/,
      ],
      [["--bogus"], /unknown flag "--bogus"/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runWebhookCli(args);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, message);
    }
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = String(taken.addr.port);
      const args = ["--tls-cert-file", a.certFile, "--tls-key-file", a.keyFile];
      const busy = await runWebhookCli([...args, "--host", "127.0.0.1", "--port", port]);
      assert.equal(busy.code, 1);
      assert.match(
        busy.stderr,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`),
      );
    } finally {
      taken.close();
    }
    const help = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-P=server",
        "--ignore-env",
        "--unstable-worker-options",
        "main.ts",
        "webhook",
        "--help",
      ],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.equal(help.code, 0);
    assert.match(new TextDecoder().decode(help.stdout), /POST \/mutate/);
  } finally {
    await ca.cleanup();
  }
});
