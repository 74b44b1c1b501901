/**
 * Attacks on `sidekernel webhook` from the network (any pod in the cluster
 * can reach its Service): bodies too large or lying about their size, JSON
 * nested to exhaust a parser, a pod with thousands of containers, prototype
 * keys, plain HTTP on the TLS port, idle connections. Each gets a clear answer
 * or is cut off; afterwards the webhook still injects a real review and
 * exits within its grace on SIGTERM. Loopback only, bounded in count and time.
 */
import assert from "node:assert/strict";
import { connect as tlsConnect } from "node:tls";
import { floodUntilAnswered } from "../support/flood.ts";
import { createTestCa } from "../support/webhook_certs.ts";
import { envelope, loadReview, type Obj, reviewFor } from "../support/webhook_harness.ts";
import { postReview, startWebhook, type WebhookProcess } from "../support/webhook_process.ts";

function jobPod(): Obj {
  return structuredClone((loadReview("pod_create_job").request as Obj).object) as Obj;
}

/** Sends raw bytes over TLS and returns what came back before the server closed or 5 s passed. */
function rawTls(port: number, ca: string, data: string | Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      socket.write(data);
    });
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on("data", (chunk: Uint8Array) => got += new TextDecoder().decode(chunk));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on("error", () => {});
  });
}

/** A chunked POST /mutate head, and one 1 MiB chunk of its body. */
const CHUNKED_HEAD = new TextEncoder().encode(
  "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n",
);
const MIB_CHUNK = new TextEncoder().encode(`100000\r\n${"x".repeat(1024 * 1024)}\r\n`);

async function stillServes(webhook: WebhookProcess, client: Deno.HttpClient): Promise<void> {
  const health = await fetch(`${webhook.url}/healthz`, { client });
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const { status, text } = await postReview(client, webhook.url, reviewFor(jobPod()));
  assert.equal(status, 200);
  assert.equal(envelope(text).patchType, "JSONPatch", "a real pod is still injected");
}

Deno.test("sidekernel webhook under attack: clear refusals, then it still injects and stops on SIGTERM", async (t) => {
  const ca = await createTestCa();
  const { certFile, keyFile } = await ca.issue("attack");
  const webhook = await startWebhook(["--tls-cert-file", certFile, "--tls-key-file", keyFile]);
  const client = Deno.createHttpClient({ caCerts: [ca.caCert] });
  try {
    await t.step("a 9 MiB body gets 413", async () => {
      const { status, text } = await postReview(client, webhook.url, "x".repeat(9 * 1024 * 1024));
      assert.equal(status, 413);
      assert.match(text, /over 8388608 bytes/);
      await stillServes(webhook, client);
    });

    await t.step(
      "20 clients still sending a 64 MiB chunked body each get the 413, none a bare reset",
      async () => {
        const statuses: string[] = [];
        for (let i = 0; i < 20; i++) {
          const conn = await Deno.connectTls({
            hostname: "localhost",
            port: webhook.port,
            caCerts: [ca.caCert],
          });
          statuses.push(await floodUntilAnswered(conn, CHUNKED_HEAD, MIB_CHUNK, 64));
        }
        // Destroyed right after its answer, the connection was reset while the client's bytes
        // were unread, and the client lost the 413.
        assert.deepEqual(statuses.filter((s) => !s.includes(" 413 ")), []);
        await stillServes(webhook, client);
      },
    );

    await t.step(
      "50 clients that close halfway through their body are dropped quietly",
      async () => {
        const before = webhook.logs.length;
        for (let i = 0; i < 50; i++) {
          const conn = await Deno.connectTls({
            hostname: "localhost",
            port: webhook.port,
            caCerts: [ca.caCert],
          });
          await conn.write(
            new TextEncoder().encode(
              "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                'Content-Length: 100000\r\n\r\n{"apiVersion":',
            ),
          );
          conn.close();
        }
        await stillServes(webhook, client);
        const errors = webhook.logs.slice(before).filter((line) =>
          line.includes('"level":"error"')
        );
        assert.deepEqual(errors, [], "a client going away is not the webhook's error");
      },
    );

    await t.step("a body longer than its Content-Length is not read past it", async () => {
      const body = JSON.stringify(reviewFor(jobPod()));
      const answer = await rawTls(
        webhook.port,
        ca.caCert,
        `POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: 10\r\nConnection: close\r\n\r\n${body}`,
      );
      // Ten bytes of JSON are not a review; the rest is not a request (either way a 400).
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.doesNotMatch(answer, /200 OK|"allowed"/);
      await stillServes(webhook, client);
    });

    await t.step("JSON nested 200,000 deep gets 400, not a crash", async () => {
      const deep = "[".repeat(200_000) + "]".repeat(200_000);
      const { status } = await postReview(client, webhook.url, deep);
      assert.equal(status, 400);
      await stillServes(webhook, client);
    });

    await t.step(
      "a pod with 3,000 containers is admitted unchanged, with the limit named, at once",
      async () => {
        const pod = jobPod();
        const spec = pod.spec as Obj;
        const base = (spec.containers as Obj[])[1];
        spec.containers = [
          (spec.containers as Obj[])[0],
          ...Array.from({ length: 3000 }, (_, i) => ({ ...base, name: `c${i}` })),
        ];
        const started = performance.now();
        const { status, text } = await postReview(client, webhook.url, reviewFor(pod));
        assert.equal(status, 200);
        const answer = envelope(text);
        assert.equal(answer.allowed, true);
        assert.equal(answer.patch, undefined);
        assert.match(
          answer.warnings?.[0] ?? "",
          /3001 entries at "\/spec\/containers".* at most 1000/,
        );
        assert.ok(performance.now() - started < 5_000, "answered in time");
        await stillServes(webhook, client);
      },
    );

    await t.step("__proto__ and constructor keys in the pod are data, nothing more", async () => {
      const text = JSON.stringify(reviewFor(jobPod())).replace(
        '"labels":{',
        '"annotations":{"__proto__":{"polluted":"yes"},"constructor":"x"},"labels":{',
      );
      const { status, text: answer } = await postReview(client, webhook.url, text);
      assert.equal(status, 200);
      assert.equal(envelope(answer).allowed, true);
      await stillServes(webhook, client);
    });

    await t.step("plain HTTP on the TLS port gets nothing and is closed", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: webhook.port });
      await conn.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
      const buffer = new Uint8Array(1024);
      const read = await Promise.race([
        conn.read(buffer).catch(() => null),
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000)),
      ]);
      conn.close();
      assert.notEqual(read, "timeout", "the connection is closed, not left open");
      if (typeof read === "number") {
        assert.doesNotMatch(new TextDecoder().decode(buffer.subarray(0, read)), /200 OK/);
      }
      await stillServes(webhook, client);
    });

    await t.step("100 idle TCP connections do not keep a review from being answered", async () => {
      const idle = await Promise.all(
        Array.from(
          { length: 100 },
          () => Deno.connect({ hostname: "127.0.0.1", port: webhook.port }),
        ),
      );
      try {
        await stillServes(webhook, client);
      } finally {
        for (const conn of idle) conn.close();
      }
    });
  } finally {
    client.close();
    const { code, ms } = await webhook.stop();
    await ca.cleanup();
    assert.equal(code, 0, webhook.logs.slice(-5).join("\n"));
    assert.ok(ms < 15_000, `exited in ${Math.round(ms)} ms, within the 10 s grace`);
  }
});
