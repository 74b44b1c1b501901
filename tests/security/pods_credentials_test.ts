/**
 * Class 4 of docs/SECURITY.md: no credential in any pod-tool output. The
 * corpus (tests/testdata/credentials/corpus.json, 73 shapes) is planted in a
 * pod's spec and status, its events and its logs on the fake API; every
 * pod tool is called through a real MCP client, and no planted secret may
 * appear in the text or the structuredContent of any answer.
 */
import { assert, assertEquals, assertMatch } from "../support/assert_pods.ts";
import { credentialCorpus, LEAKY_POD, leakyNamespace } from "../support/fake_kube_credentials.ts";
import { type CallToolResult, textOf } from "../support/mcp_client.ts";
import { NS, startPodsHarness } from "../support/pods_harness.ts";

const corpus = credentialCorpus();

/** Every call a model could make to read the leaky pod. */
const CALLS: [string, Record<string, unknown>][] = [
  ["pods_list", {}],
  ["pods_list", { labelSelector: "app=leaky" }],
  ["pods_get", { name: LEAKY_POD }],
  ["pods_get", { name: LEAKY_POD, full: true }],
  ["pods_log", { name: LEAKY_POD, container: "app", tailLines: 1000 }],
  ["pods_log", { name: LEAKY_POD, container: "app", previous: true }],
  ["pods_log", { name: LEAKY_POD, container: "app", grep: "." }],
  ["pods_top", {}],
  ["pods_top", { name: LEAKY_POD }],
  ["events_list", {}],
  ["events_list", { pod: LEAKY_POD, warningsOnly: true }],
];

/** Forms a secret can take in an answer: as is, JSON-escaped, and a long middle piece. */
function forms(secret: string): string[] {
  const out = [secret, JSON.stringify(secret).slice(1, -1)];
  if (secret.length >= 24) out.push(secret.slice(6, 18));
  return out;
}

function leaks(result: CallToolResult): string[] {
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  const structured = JSON.stringify(result.structuredContent ?? {});
  return corpus.filter((e) =>
    forms(e.secret).some((f) => text.includes(f) || structured.includes(f))
  ).map((e) => `${e.id} (${e.where})`);
}

Deno.test("corpus: at least 50 shapes, each in a known place", () => {
  assert(corpus.length >= 50, `only ${corpus.length} entries`);
  assertEquals(new Set(corpus.map((e) => e.id)).size, corpus.length);
  for (const e of corpus) assert(e.secret.length >= 12, `${e.id}: secret too short to check`);
});

Deno.test("no planted credential appears in any pod tool's text or structuredContent", async () => {
  const h = await startPodsHarness({ data: { [NS]: leakyNamespace(NS, corpus) } });
  try {
    for (const [tool, args] of CALLS) {
      const result = await h.session.call(tool, args);
      assert(!result.isError, `${tool} ${JSON.stringify(args)}: ${textOf(result)}`);
      assertEquals(leaks(result), [], `${tool} ${JSON.stringify(args)} leaked`);
    }
  } finally {
    await h.close();
  }
});

Deno.test("masked values stay readable: flags, headers and references are shown", async () => {
  const h = await startPodsHarness({ data: { [NS]: leakyNamespace(NS, corpus) } });
  try {
    const full = textOf(await h.session.call("pods_get", { name: LEAKY_POD, full: true }));
    assertMatch(full, /--token=<redacted: 23 chars>/);
    assertMatch(full, /- --password\n\s+- "?<redacted: 17 chars>/);
    assertMatch(full, /name: Authorization\n\s+value: "?<redacted: 26 chars>/);
    assertMatch(full, /postgres:\/\/app:<redacted: 15 chars>@db:5432\/app/);
    assertMatch(full, /SMTP_PASSWORD=<set>/);
    assertMatch(full, /last-applied-configuration: <omitted>/);
    assertMatch(full, /<redacted: rsa private key, \d+ chars>/);
    const summary = textOf(await h.session.call("pods_get", { name: LEAKY_POD }));
    assertMatch(summary, /Container "worker": Waiting\(CreateContainerConfigError\)/);
    assertMatch(summary, /password=<redacted: 14 chars> rejected/);
    const log = textOf(
      await h.session.call("pods_log", { name: LEAKY_POD, container: "app", tailLines: 1000 }),
    );
    assertMatch(log, /"password":"<redacted: 17 chars>"/);
    assertMatch(log, /Authorization: Basic <redacted: 24 chars>/);
    assertMatch(log, /<redacted: openssh private key, \d+ chars>/);
    assertMatch(log, /ready to serve/);
  } finally {
    await h.close();
  }
});

Deno.test("grep cannot be used to guess a masked credential", async () => {
  const h = await startPodsHarness({ data: { [NS]: leakyNamespace(NS, corpus) } });
  try {
    for (const e of corpus.filter((x) => x.where === "log")) {
      const probe = e.secret.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const result = await h.session.call("pods_log", {
        name: LEAKY_POD,
        container: "app",
        grep: probe,
      });
      const out = result.structuredContent as unknown as { matches: number };
      assertEquals(out.matches, 0, `grep ${JSON.stringify(probe)} (${e.id}) matched`);
    }
  } finally {
    await h.close();
  }
});
