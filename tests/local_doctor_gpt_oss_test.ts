/**
 * The local executor as operators and gpt-oss clients meet it: `sidekernel
 * doctor` runs a cell on it, and a vLLM-style client (legacy SSE on
 * /python, a new MCP session per request) keeps its variables between turns.
 */
import assert from "node:assert/strict";
import { openRawSse, type RawSseSession } from "./support/raw_sse.ts";
import { makeWorkspace, ROOT, SIDEKERNEL_ARGS, startServer } from "./support/server.ts";

const ws = makeWorkspace();
const server = await startServer(["--timeout", "30"], { workspace: ws.path });
Deno.test.afterAll(async () => {
  assert.equal(await server.stop(), 0, "exits 0 on SIGTERM");
  ws.cleanup();
});

async function turn(session: RawSseSession, code: string): Promise<string> {
  const answer = await session.request("tools/call", { name: "python", arguments: { code } });
  return (answer.result as { content: { text: string }[] }).content[0].text;
}

async function open(): Promise<{ session: RawSseSession; instructions: string }> {
  const session = await openRawSse(`${server.url}/python/sse`);
  const init = await session.request("initialize", {
    protocolVersion: "2024-11-05",
    capabilities: {},
    clientInfo: { name: "vllm-tool-server", version: "0" },
  });
  await session.notify("notifications/initialized");
  return { session, instructions: (init.result as { instructions: string }).instructions };
}

Deno.test("gpt-oss over SSE on /python, local executor: stateful wording, state kept across per-request sessions", async () => {
  const first = await open();
  try {
    assert.match(first.instructions, /stateful Jupyter notebook environment/);
    assert.ok(first.instructions.includes(`'${ws.path}'`));
    assert.match(first.instructions, /time out after 30 seconds/);
    assert.equal(
      await turn(first.session, "import statistics\ndata = [3, 1, 4, 1, 5]"),
      "[WARN] No output available. Use print() to output anything to stdout to receive the output",
    );
  } finally {
    first.session.close();
  }
  const second = await open();
  try {
    assert.equal(await turn(second.session, "statistics.median(data)"), "3\n");
    const error = await turn(second.session, "def f():\n    return 1 / 0\nf()");
    assert.match(error, /ZeroDivisionError: division by zero/);
    assert.equal(error.match(/Traceback/g)?.length, 1, "the traceback appears once");
  } finally {
    second.session.close();
  }
});

Deno.test("sidekernel doctor checks the local executor by running a cell on it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, "doctor", "--toolsets", "python", "--workspace-path", ws.path],
    cwd: ROOT,
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
  assert.match(text, /ok +python +"python3" \(Python 3\.\d+/);
  assert.match(text, /ok +local kernel +started and kept state: x = 1 \+ 1, then x → 2/);
});
