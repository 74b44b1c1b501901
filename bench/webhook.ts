/**
 * `sidekernel webhook` latency: POST /mutate of a Job's pod as admission
 * presents it (tests/testdata/admission/pod_create_job.yaml), over HTTPS
 * to the real process, as the API server calls it (connections kept alive),
 * one at a time and 20 at once; plus a fresh TLS connection per review.
 *
 * @module
 */
import { createTestCa } from "../tests/support/webhook_certs.ts";
import { envelope, loadReview, type Obj, reviewFor } from "../tests/support/webhook_harness.ts";
import { postReview, startWebhook } from "../tests/support/webhook_process.ts";
import { percentile, type Row, timeRuns } from "./stats.ts";

/** The bench's result: one row per way of calling, and the p99 of the kept-alive path. */
export interface WebhookBench {
  rows: Row[];
  /** p99 of sequential reviews over a kept-alive connection, in ms. */
  p99Ms: number;
  /** Reviews that failed (not 200, not an injected answer). */
  failed: number;
}

/**
 * Runs the bench: `runs` sequential reviews, `runs` reviews 20 at a time,
 * and `runs / 4` on a new connection each.
 */
export async function benchWebhook(runs: number): Promise<WebhookBench> {
  const ca = await createTestCa();
  const { certFile, keyFile } = await ca.issue("bench");
  const webhook = await startWebhook(["--tls-cert-file", certFile, "--tls-key-file", keyFile]);
  const pod = (loadReview("pod_create_job").request as Obj).object;
  let failed = 0;
  const once = async (client: Deno.HttpClient) => {
    const { status, text } = await postReview(client, webhook.url, reviewFor(pod));
    if (status !== 200 || envelope(text).patchType !== "JSONPatch") failed++;
  };
  const rows: Row[] = [];
  const row = (what: string, sample: number[]) =>
    rows.push({
      what,
      reviews: sample.length,
      "p50 ms": percentile(sample, 50),
      "p99 ms": percentile(sample, 99),
      "max ms": Math.max(...sample),
    });
  const client = Deno.createHttpClient({ caCerts: [ca.caCert] });
  try {
    const sequential = await timeRuns(runs, () => once(client), 20);
    row("one at a time, connection kept alive (as the API server calls)", sequential);

    const concurrent: number[] = [];
    for (let i = 0; i < runs; i += 20) {
      await Promise.all(Array.from({ length: 20 }, async () => {
        const start = performance.now();
        await once(client);
        concurrent.push(performance.now() - start);
      }));
    }
    row("20 at once, connections kept alive", concurrent);

    const fresh = await timeRuns(Math.max(10, Math.floor(runs / 4)), async () => {
      const own = Deno.createHttpClient({ caCerts: [ca.caCert] });
      try {
        await once(own);
      } finally {
        own.close();
      }
    });
    row("a new TLS connection per review", fresh);
    return { rows, p99Ms: percentile(sequential, 99), failed };
  } finally {
    client.close();
    await webhook.stop();
    await ca.cleanup();
  }
}

if (import.meta.main) {
  const { markdownTable } = await import("./stats.ts");
  const result = await benchWebhook(Deno.args.includes("--quick") ? 200 : 1000);
  const text = `${markdownTable(result.rows)}\nfailed: ${result.failed}\n`;
  Deno.stderr.writeSync(new TextEncoder().encode(text));
  Deno.exit(0);
}
