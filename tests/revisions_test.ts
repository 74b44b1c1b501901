/**
 * Clients of both MCP revisions against the real server process: the v2 SDK
 * client (`@modelcontextprotocol/client`, negotiates 2026-07-28 through
 * `server/discover`) and the v1 SDK client (`@modelcontextprotocol/sdk`,
 * 2025-11-25 `initialize` and a session), on `/mcp` and `/python/mcp`, with
 * the default local executor, a real temp workspace and the fake Kubernetes
 * API (so `/mcp` has pod tools and prompts). Hand-made 2026-07-28 requests
 * live in revisions_raw_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, firstText, revisionOf } from "./support/clients.ts";
import { connectStreamableV2, LEGACY, MODERN, revisionOfV2 } from "./support/clients_v2.ts";
import { makeWorkspace, startServer, stopWithin } from "./support/server.ts";
import { startTeamCluster } from "./support/team_cluster.ts";

const ws = makeWorkspace();
const { kube, kubeconfig } = await startTeamCluster(ws.path);
Deno.writeTextFileSync(join(ws.path, "notes.txt"), "written by the agent\n");
const server = await startServer(["--kubeconfig", kubeconfig, "--timeout", "60"], {
  workspace: ws.path,
});

Deno.test.afterAll(async () => {
  try {
    // Clients of both revisions were served; the process still stops in time.
    await stopWithin(server, 15_000);
  } finally {
    await kube.close();
    ws.cleanup();
  }
});

/** The calls the tests make, the same on both clients. */
interface Connected {
  revision(): string;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(
    params: { name: string; arguments: Record<string, unknown> },
    options?: { onprogress?: (progress: { progress: number; message?: string }) => void },
  ): Promise<unknown>;
  listResources(): Promise<{ resources: { uri: string; name: string }[] }>;
  readResource(params: { uri: string }): Promise<{ contents: unknown[] }>;
  listPrompts(): Promise<{ prompts: { name: string }[] }>;
  close(): Promise<void>;
}

interface Flavour {
  label: string;
  revision: string;
  connect(url: string): Promise<Connected>;
}

const FLAVOURS: Flavour[] = [
  {
    label: "v2 client",
    revision: MODERN,
    async connect(url) {
      const client = await connectStreamableV2(url);
      return {
        revision: () => revisionOfV2(client),
        listTools: () => client.listTools(),
        callTool: (params, options) => client.callTool(params, options),
        listResources: () => client.listResources(),
        readResource: (params) => client.readResource(params),
        listPrompts: () => client.listPrompts(),
        close: () => client.close(),
      };
    },
  },
  {
    label: "v1 client",
    revision: LEGACY,
    async connect(url) {
      const client = await connectStreamable(url);
      return {
        revision: () => revisionOf(client),
        listTools: () => client.listTools(),
        // v1 takes a result schema before the options.
        callTool: (params, options) => client.callTool(params, undefined, options),
        listResources: () => client.listResources(),
        readResource: (params) => client.readResource(params),
        listPrompts: () => client.listPrompts(),
        close: () => client.close(),
      };
    },
  },
];

const MCP_TOOLS = [
  "events_list",
  "pods_get",
  "pods_list",
  "pods_log",
  "pods_top",
  "python",
  "python_reset",
];
const ENDPOINTS = [
  { path: "/mcp", tools: MCP_TOOLS },
  { path: "/python/mcp", tools: ["python"] },
];

async function using<T>(
  flavour: Flavour,
  path: string,
  body: (client: Connected) => Promise<T>,
): Promise<T> {
  const client = await flavour.connect(`${server.url}${path}`);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

function resultOf(value: unknown): { isError?: boolean; content: unknown[] } {
  return value as { isError?: boolean; content: unknown[] };
}

for (const flavour of FLAVOURS) {
  for (const { path, tools } of ENDPOINTS) {
    const name = `${flavour.label} on ${path}`;

    Deno.test(`${name}: negotiates ${flavour.revision} and lists the expected tools`, async () => {
      await using(flavour, path, async (client) => {
        assert.equal(client.revision(), flavour.revision);
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(names, tools);
      });
    });

    Deno.test(`${name}: python keeps state between calls`, async () => {
      await using(flavour, path, async (client) => {
        const variable = `v_${crypto.randomUUID().slice(0, 8)}`;
        const set = await client.callTool({
          name: "python",
          arguments: { code: `${variable} = 1` },
        });
        assert.match(firstText(set), /No output available/);
        const read = await client.callTool({
          name: "python",
          arguments: { code: `print(${variable})` },
        });
        assert.equal(firstText(read), "1\n");
      });
    });

    Deno.test(`${name}: an unknown argument gets an error result naming it`, async () => {
      await using(flavour, path, async (client) => {
        const answer = await client.callTool({
          name: "python",
          arguments: { code: "print(1)", working_dir: "/tmp" },
        }).then(resultOf, (error: Error) => ({ isError: true, content: [], thrown: error }));
        assert.equal(answer.isError, true);
        const text = "thrown" in answer ? String(answer.thrown) : firstText(answer);
        assert.match(text, /working_dir/);
        // The same client still runs code afterwards.
        const after = await client.callTool({ name: "python", arguments: { code: "print(2)" } });
        assert.equal(firstText(after), "2\n");
      });
    });

    Deno.test(`${name}: a long cell with a progress token sends progress`, async () => {
      await using(flavour, path, async (client) => {
        const progress: { progress: number; message?: string }[] = [];
        const result = await client.callTool(
          { name: "python", arguments: { code: "import time\ntime.sleep(2)\nprint('done')" } },
          { onprogress: (p) => progress.push(p) },
        );
        assert.equal(firstText(result), "done\n");
        assert.ok(progress.length >= 1, `progress notifications: ${JSON.stringify(progress)}`);
        assert.match(progress[0].message ?? "", /running for \d+ s/);
      });
    });
  }

  Deno.test(`${flavour.label} on /mcp: lists workspace files and reads one`, async () => {
    await using(flavour, "/mcp", async (client) => {
      const { resources } = await client.listResources();
      const notes = resources.find((r) => r.uri.endsWith("/notes.txt"));
      assert.ok(notes, `notes.txt listed: ${JSON.stringify(resources.map((r) => r.uri))}`);
      assert.equal(notes.uri, `file://${ws.path}/notes.txt`);
      const { contents } = await client.readResource({ uri: notes.uri });
      assert.deepEqual(contents, [{
        uri: notes.uri,
        mimeType: "text/plain",
        text: "written by the agent\n",
      }]);
    });
  });

  Deno.test(`${flavour.label} on /mcp: lists the pod prompts`, async () => {
    await using(flavour, "/mcp", async (client) => {
      const names = (await client.listPrompts()).prompts.map((p) => p.name).sort();
      assert.ok(names.includes("diagnose-pod"), `prompts: ${names}`);
    });
  });
}

Deno.test("both revisions share the pod's interpreter (kernel scope pod)", async () => {
  const [modern, legacy] = FLAVOURS;
  const variable = `shared_${crypto.randomUUID().slice(0, 8)}`;
  await using(modern, "/mcp", async (client) => {
    await client.callTool({ name: "python", arguments: { code: `${variable} = 'set by v2'` } });
  });
  await using(legacy, "/python/mcp", async (client) => {
    const read = await client.callTool({
      name: "python",
      arguments: { code: `print(${variable})` },
    });
    assert.equal(firstText(read), "set by v2\n");
  });
});
