/**
 * What a gpt-oss tool server (vLLM, SGLang) reads from /python/sse, kept as a
 * golden file: every answer of one session, as the JSON it arrived in (key
 * order included), with only the workspace path and the version replaced.
 * A change of the serving layer that alters one byte of these answers fails
 * here, naming the answer. Of `tools/list` it keeps what those clients build
 * the tool's prompt entry from (name, description, inputSchema, annotations),
 * leaving out the two fields the MCP SDK writes on its own and no gpt-oss
 * client reads: the schema's `$schema` dialect and `execution`.
 *
 * To accept a deliberate change, rewrite the file and review the diff:
 * `UPDATE_GOLDEN=1 deno test -P=test --unstable-worker-options tests/gpt_oss_golden_test.ts`
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openRawSse } from "./support/raw_sse.ts";
import { makeWorkspace, ROOT, startServer } from "./support/server.ts";
import { VERSION } from "../src/version.ts";

const GOLDEN = join(ROOT, "tests/golden/gpt_oss/python_sse.json");

/** One session of a vLLM tool server: handshake, listing, calls, its closing cleanup call. */
const EXCHANGE: { label: string; method: string; params: Record<string, unknown> }[] = [
  {
    label: "initialize",
    method: "initialize",
    params: {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "vllm-tool-server", version: "0" },
    },
  },
  { label: "tools/list", method: "tools/list", params: {} },
  { label: "print", method: "tools/call", params: call("print(6 * 7)") },
  { label: "no output", method: "tools/call", params: call("golden_x = 1") },
  { label: "state kept", method: "tools/call", params: call("print(golden_x + 1)") },
  // (Tracebacks are checked in gpt_oss_conformance_test.ts: their carets differ by Python version.)
  { label: "error", method: "tools/call", params: call("raise SystemExit('bye')") },
  {
    label: "unknown tool",
    method: "tools/call",
    params: { name: "cleanup_session", arguments: {} },
  },
];

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** A tools/list answer as gpt-oss clients read it. */
function read(answer: Record<string, unknown>): unknown {
  const tools = (answer.result as { tools: ListedTool[] }).tools;
  return tools.map((
    { name, description, inputSchema: { $schema: _, ...schema }, annotations },
  ) => ({
    name,
    description,
    inputSchema: schema,
    annotations,
  }));
}

function call(code: string): Record<string, unknown> {
  return { name: "python", arguments: { code } };
}

Deno.test("gpt-oss client on /python/sse reads exactly the golden answers", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--timeout", "30"], { workspace: ws.path });
  try {
    const session = await openRawSse(`${server.url}/python/sse`);
    const answers: Record<string, string> = {};
    try {
      for (const [i, step] of EXCHANGE.entries()) {
        const answer = await session.request(step.method, step.params);
        answers[step.label] = JSON.stringify(step.method === "tools/list" ? read(answer) : answer)
          .replaceAll(ws.path, "<workspace>")
          .replaceAll(JSON.stringify(VERSION), '"<version>"');
        if (i === 0) await session.notify("notifications/initialized");
      }
    } finally {
      session.close();
    }
    if (Deno.env.get("UPDATE_GOLDEN")) {
      Deno.mkdirSync(join(ROOT, "tests/golden/gpt_oss"), { recursive: true });
      Deno.writeTextFileSync(GOLDEN, JSON.stringify(answers, null, 2) + "\n");
    }
    const golden: Record<string, string> = JSON.parse(Deno.readTextFileSync(GOLDEN));
    for (const { label } of EXCHANGE) {
      assert.equal(answers[label], golden[label], `the "${label}" answer changed`);
    }
  } finally {
    await server.stop();
    ws.cleanup();
  }
});
