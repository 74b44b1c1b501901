/**
 * Class 3 of docs/SECURITY.md: a `grep` pattern cannot freeze the server.
 *
 * A real sidekernel process reads a 4 MiB hostile log from the fake API (long
 * runs of `a` ending in `!`, `ab` and `eyJ` runs, the inputs on which
 * backtracking engines explode) and is asked to grep it with the classic
 * ReDoS patterns. Each call must answer within a bound while `/healthz`
 * keeps answering; patterns RE2 refuses get an error naming `grep`. Then the
 * server still serves and exits within the grace on SIGTERM.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText } from "../support/clients.ts";
import { FakeKube, READ_ALL } from "../support/fake_kube.ts";
import { type LogLine, makePod } from "../support/fake_kube_data.ts";
import { scenarioNamespace } from "../support/fake_kube_scenarios.ts";
import { makeWorkspace, startServer } from "../support/server.ts";

const NS = "team-a";
const GRACE_S = 3;
/** Generous on a loaded 2-core machine: a call takes about 1 s here. */
const CALL_BOUND_MS = 30_000;
/** `/healthz` must answer within this while a grep runs (about 50 ms here). */
const HEALTH_BOUND_MS = 3_000;

/** Classic evil patterns (OWASP ReDoS list and friends). */
const EVIL = [
  "(.|.)*QQQZ",
  "(a+)+$",
  "(a|aa)+$",
  "(a|a?)+$",
  "(a*)*$",
  "((a+)+)+Z",
  "^(a+)+b",
  "(x+x+)+y",
  "(\\w+\\s?)+$",
  "^(([a-z])+.)+[A-Z]([a-z])+$",
  "(.*a){12}Q",
  "(ab|a)*c",
];

function hostileLog(): LogLine[] {
  const time = new Date().toISOString();
  const line = (text: string) => ({ time, text });
  const kib = 1024;
  return [
    ...Array.from({ length: 16 }, () => line("a".repeat(128 * kib) + "!")),
    ...Array.from({ length: 8 }, () => line("ab".repeat(64 * kib) + "!")),
    ...Array.from({ length: 8 }, () => line("eyJ".repeat(43 * kib) + " password ")),
  ];
}

async function health(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(HEALTH_BOUND_MS * 4) });
  await res.body?.cancel();
  assert.equal(res.status, 200);
  return performance.now() - t;
}

Deno.test("evil grep patterns answer within a bound and /healthz answers meanwhile", async () => {
  const data = scenarioNamespace(NS);
  data.pods.push(makePod("noisy-pod", NS, "running"));
  data.logs.set("noisy-pod/app", hostileLog());
  const kube = await FakeKube.start({ [NS]: data });
  kube.addUser("tok", `system:serviceaccount:${NS}:agent`, [NS], READ_ALL);
  const ws = makeWorkspace();
  Deno.mkdirSync(join(ws.path, ".kube"));
  const kubeconfig = await kube.writeKubeconfig(join(ws.path, ".kube"), "tok", { namespace: NS });
  const server = await startServer(
    ["--kubeconfig", kubeconfig, "--toolsets", "pods", "--shutdown-grace", String(GRACE_S)],
    { workspace: ws.path },
  );
  let stopped = false;
  try {
    const client = await connectStreamable(`${server.url}/mcp`);
    try {
      const slowest = { call: 0, health: 0 };
      for (const grep of EVIL) {
        let running = true;
        const probes = (async () => {
          while (running) {
            slowest.health = Math.max(slowest.health, await health(server.url));
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        const t = performance.now();
        const result = await client.callTool({
          name: "pods_log",
          arguments: { name: "noisy-pod", tailLines: 100_000, grep },
        });
        const ms = performance.now() - t;
        running = false;
        await probes;
        slowest.call = Math.max(slowest.call, ms);
        assert.ok(!result.isError, `${grep}: ${firstText(result)}`);
        assert.match(firstText(result), /: 32 line\(s\), \d+ matching/, grep);
        assert.ok(ms < CALL_BOUND_MS, `${grep} took ${ms.toFixed(0)} ms`);
      }
      assert.ok(slowest.health < HEALTH_BOUND_MS, `/healthz took ${slowest.health.toFixed(0)} ms`);
      // The numbers docs/SECURITY.md quotes.
      Deno.stderr.writeSync(new TextEncoder().encode(
        `pods_redos: ${EVIL.length} patterns on a 4 MiB log; slowest call ` +
          `${slowest.call.toFixed(0)} ms, slowest /healthz ${slowest.health.toFixed(0)} ms\n`,
      ));

      for (const [grep, why] of [["(?=QQQZ)", /Perl syntax/], ["x".repeat(600), /at most 512/]]) {
        const refused = await client.callTool({
          name: "pods_log",
          arguments: { name: "noisy-pod", grep },
        });
        assert.equal(refused.isError, true);
        assert.match(firstText(refused), /^"grep" /);
        assert.match(firstText(refused), why as RegExp);
      }
      const list = await client.callTool({ name: "pods_list", arguments: {} });
      assert.match(firstText(list), /noisy-pod\s+1\/1\s+Running/);
    } finally {
      await client.close();
    }
    const t = performance.now();
    stopped = true;
    assert.equal(await server.stop(), 0);
    assert.ok(performance.now() - t < GRACE_S * 1000 + 5000, "exit within the grace");
  } finally {
    if (!stopped) await server.stop();
    await kube.close();
    ws.cleanup();
  }
});
