/**
 * Faults of the Kubernetes API behind the real server process: 500s, 429 with
 * Retry-After, a hanging API server, reset connections. Each pod tool call
 * gets a clear error result (not a protocol error, not a hang past the
 * client's timeout), `python` keeps working meanwhile, and pod tools work
 * again once the API server recovers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectStreamable, firstText } from "../support/clients.ts";
import { FakeKube, READ_ALL } from "../support/fake_kube.ts";
import { scenarioNamespace } from "../support/fake_kube_scenarios.ts";
import { makeWorkspace, startServer } from "../support/server.ts";
import { startKubeFront } from "./support/kube_faults.ts";
import { sleep, waitFor } from "./support/procs.ts";
import { record, since } from "./support/report.ts";

/** The MCP SDK client's default request timeout. */
const CLIENT_TIMEOUT_MS = 60_000;

const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
kube.addUser("tok", "system:serviceaccount:team-a:agent", ["team-a"], READ_ALL);
const front = await startKubeFront(kube);
const ws = makeWorkspace();
const kubeDir = join(ws.path, ".kube");
Deno.mkdirSync(kubeDir);
const kubeconfig = await front.writeKubeconfig(kubeDir, "tok", "team-a");
const server = await startServer(["--kubeconfig", kubeconfig], { workspace: ws.path });
const client: Client = await connectStreamable(`${server.url}/mcp`);

Deno.test.afterAll(async () => {
  await client.close();
  await server.stop();
  await front.close();
  await kube.close();
  ws.cleanup();
});

const TOOLS: [string, Record<string, unknown>][] = [
  ["pods_list", {}],
  ["pods_get", { name: "web-0" }],
  ["pods_log", { name: "web-0" }],
  ["events_list", {}],
];

/** Calls every pod tool; each must end as an error result; returns the texts and the slowest. */
async function callAllExpectingErrors(): Promise<{ texts: string[]; slowestMs: number }> {
  const texts: string[] = [];
  let slowestMs = 0;
  await Promise.all(TOOLS.map(async ([name, args]) => {
    const started = performance.now();
    const result = await client.callTool({ name, arguments: args });
    slowestMs = Math.max(slowestMs, since(started));
    assert.equal(result.isError, true, `${name}: ${JSON.stringify(result)}`);
    texts.push(`${name}: ${firstText(result)}`);
  }));
  return { texts, slowestMs };
}

async function stillServes(): Promise<void> {
  front.normal();
  kube.mode = "normal";
  const list = await client.callTool({ name: "pods_list", arguments: {} });
  assert.notEqual(list.isError, true, firstText(list));
  assert.match(firstText(list), /^NAME\s+READY\s+STATUS/);
  const py = await client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
  assert.equal(firstText(py), "42\n");
  const ready = await fetch(`${server.url}/readyz`);
  await ready.body?.cancel();
  assert.equal(ready.status, 200);
}

async function readyzStatus(): Promise<number> {
  const ready = await fetch(`${server.url}/readyz`);
  await ready.body?.cancel();
  return ready.status;
}

Deno.test("API server answering 500: every pod tool says it is a server-side error", async () => {
  // A pod exists in the scenario so pods_get/pods_log would work when healthy.
  await stillServes();
  kube.mode = "error500";
  const { texts, slowestMs } = await callAllExpectingErrors();
  for (const text of texts) {
    assert.match(text, /500/, text);
    assert.match(text, /etcdserver: request timed out/, text);
  }
  assert.equal(await readyzStatus(), 503);
  await stillServes();
  record({
    group: "kube",
    name: "every API request answered 500 InternalError",
    observed: `isError results quoting the status and message ("${
      texts[0].slice(0, 90)
    }…"); /readyz 503; recovers`,
    figures: { slowest_ms: slowestMs },
  });
});

Deno.test("API server answering 429 with Retry-After: a clear 'busy, try again' answer", async () => {
  front.throttle(7);
  const before = front.throttled;
  const { texts, slowestMs } = await callAllExpectingErrors();
  const requests = front.throttled - before;
  for (const text of texts) {
    assert.match(text, /429/, text);
    assert.match(text, /try again/i, text);
  }
  const mentionsRetryAfter = texts.every((t) => /\b7 s|7 seconds|Retry-After/i.test(t));
  await stillServes();
  record({
    group: "kube",
    name: "every API request answered 429 TooManyRequests, Retry-After: 7",
    observed:
      `isError "${texts[0].slice(0, 100)}…"; ${requests} requests for ${TOOLS.length} calls` +
      ` (${requests > TOOLS.length ? "retried" : "not retried"}); Retry-After ${
        mentionsRetryAfter ? "quoted" : "not quoted in the text"
      }`,
    figures: { slowest_ms: slowestMs, api_requests: requests },
  });
});

Deno.test("API server hanging: a clear timeout answer well within the client's timeout", async () => {
  kube.mode = "hang";
  const { texts, slowestMs } = await callAllExpectingErrors();
  for (const text of texts) assert.match(text, /did not answer within \d+ s/, text);
  assert.ok(slowestMs < CLIENT_TIMEOUT_MS, `slowest answer ${slowestMs} ms`);
  // Meanwhile python is not held up by the hanging API.
  const py = await client.callTool({ name: "python", arguments: { code: "print('free')" } });
  assert.equal(firstText(py), "free\n");
  assert.equal(await readyzStatus(), 503);
  await stillServes();
  record({
    group: "kube",
    name: "API server accepts requests and never answers",
    observed: `isError "${
      texts[0].slice(0, 80)
    }…" after the 10 s request timeout; python unaffected`,
    figures: { slowest_ms: slowestMs, client_timeout_ms: CLIENT_TIMEOUT_MS },
  });
});

Deno.test("API server resetting connections: a clear 'unreachable' answer, then recovery", async () => {
  front.proxy.cut(undefined, true); // reset the kept-alive connections too
  front.proxy.mode = "reset";
  const { texts, slowestMs } = await callAllExpectingErrors();
  for (const text of texts) {
    assert.match(text, /reset|unreachable|could not|reach/i, text);
    assert.ok(text.includes(front.url) || text.includes("127.0.0.1"), text);
  }
  assert.equal(await readyzStatus(), 503);
  await stillServes();
  record({
    group: "kube",
    name: "every connection to the API server reset (TCP RST)",
    observed: `isError "${texts[0].slice(0, 110)}…"; recovers`,
    figures: { slowest_ms: slowestMs },
  });
});

Deno.test("API connections cut mid-response: clear answers, then recovery", async () => {
  // Cut whatever is live while a large list streams (TCP FIN from the proxy).
  front.normal();
  front.proxy.delayMs = 150; // keep the requests in flight long enough to cut them
  const calls = Array.from(
    { length: 8 },
    () => client.callTool({ name: "pods_list", arguments: {} }),
  );
  assert.ok(await waitFor(() => front.proxy.live().length > 0, 10_000));
  await sleep(300);
  const cut = front.proxy.cut();
  front.proxy.delayMs = 0;
  const results = await Promise.all(calls);
  assert.ok(cut > 0, "connections were live when cut");
  let errors = 0;
  for (const result of results) {
    const text = firstText(result);
    if (result.isError) {
      errors++;
      assert.match(text, /Kubernetes|API/, text);
    } else assert.match(text, /^NAME\s+READY\s+STATUS/);
  }
  await stillServes();
  record({
    group: "kube",
    name: "8 concurrent pods_list, API connections cut (FIN) while in flight",
    observed: `${cut} connections cut; ${
      results.length - errors
    } tables, ${errors} clear errors, none lost; recovers`,
  });
});
