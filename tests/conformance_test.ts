/**
 * The official MCP conformance suite (npm `@modelcontextprotocol/conformance`)
 * against a real `sidekernel serve` process, on `/mcp` and `/python/mcp`, with
 * the pods toolset on (fake API over HTTPS), so prompts are served too.
 * Scenarios that need the suite's own fixture tools are listed, with the
 * reason, in tests/conformance/expected-failures.yml; the suite fails the run
 * both for an unexpected failure and for a listed scenario that passes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWorkspace, ROOT, startServer } from "./support/server.ts";
import { startTeamCluster } from "./support/team_cluster.ts";

/** Pinned in deno.json's imports, so `deno install` caches it and deno.lock pins it. */
const SUITE = "npm:@modelcontextprotocol/conformance@0.1.16";
const EXPECTED = join(ROOT, "tests/conformance/expected-failures.yml");

async function runSuite(url: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      SUITE,
      "server",
      "--url",
      url,
      ...extra,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test({
  name: "conformance suite: every applicable scenario passes on /mcp; fixture scenarios as listed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const ws = makeWorkspace();
    Deno.writeTextFileSync(join(ws.path, "notes.txt"), "a workspace file\n");
    const { kube, kubeconfig } = await startTeamCluster(ws.path);
    const server = await startServer(["--kubeconfig", kubeconfig], { workspace: ws.path });
    try {
      const { code, out } = await runSuite(`${server.url}/mcp`, ["--expected-failures", EXPECTED]);
      assert.equal(code, 0, out);
      for (
        const scenario of [
          "server-initialize",
          "ping",
          "logging-set-level",
          "tools-list",
          "resources-list",
          "prompts-list",
          "server-sse-multiple-streams",
          "dns-rebinding-protection",
        ]
      ) {
        assert.match(out, new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`), out);
      }
    } finally {
      await server.stop();
      await kube.close();
      ws.cleanup();
    }
  },
});

Deno.test({
  name: "conformance suite: the gpt-oss python server on /python/mcp passes the generic scenarios",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const ws = makeWorkspace();
    const server = await startServer([], { workspace: ws.path });
    try {
      for (
        const scenario of [
          "server-initialize",
          "ping",
          "tools-list",
          "server-sse-multiple-streams",
          "dns-rebinding-protection",
        ]
      ) {
        const { code, out } = await runSuite(`${server.url}/python/mcp`, ["--scenario", scenario]);
        assert.equal(code, 0, `${scenario}:\n${out}`);
      }
    } finally {
      await server.stop();
      ws.cleanup();
    }
  },
});
