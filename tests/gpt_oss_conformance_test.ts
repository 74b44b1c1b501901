/**
 * Does what gpt-oss clients do against /python/sse: build the harmony
 * namespace from serverInfo.name, instructions and tools (dropping
 * `include_in_prompt: false`), call `python` with raw code, read only
 * `content[0].text`.
 */
import assert from "node:assert/strict";
import { openRawSse } from "./support/raw_sse.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

const ws = makeWorkspace();
const server = await startServer(["--timeout", "30"], { workspace: ws.path });
Deno.test.afterAll(async () => {
  await server.stop();
  ws.cleanup();
});

interface ToolInfo {
  name: string;
  description?: string;
  inputSchema: { required?: string[]; properties?: Record<string, { type?: string }> };
  annotations?: Record<string, unknown>;
}

Deno.test("gpt-oss client: harmony namespace is `python` with the tool description and no tools", async () => {
  const session = await openRawSse(`${server.url}/python/sse`);
  try {
    const init = await session.request("initialize", {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "vllm-tool-server", version: "0" },
    });
    await session.notify("notifications/initialized");
    const result = init.result as { serverInfo: { name: string }; instructions: string };
    const list = await session.request("tools/list", {});
    const tools = (list.result as { tools: ToolInfo[] }).tools;

    // What the gpt-oss prompt builder does with it.
    const namespace = {
      name: result.serverInfo.name,
      description: result.instructions,
      tools: tools.filter((t) => t.annotations?.include_in_prompt !== false),
    };
    assert.equal(namespace.name, "python");
    assert.match(namespace.description, /^Use this tool to execute Python code/);
    assert.ok(namespace.description.includes(`'${ws.path}'`));
    assert.ok(!namespace.description.includes("/mnt/data"));
    assert.deepEqual(namespace.tools, [], "python is described by the namespace, not listed");

    assert.deepEqual(tools.map((t) => t.name), ["python"]);
    assert.equal(tools[0].annotations?.include_in_prompt, false);
    assert.deepEqual(tools[0].inputSchema.required, ["code"]);
    assert.equal(tools[0].inputSchema.properties?.code?.type, "string");
  } finally {
    session.close();
  }
});

Deno.test("gpt-oss client: raw code in, content[0].text out (with its traceback on error)", async () => {
  const session = await openRawSse(`${server.url}/python/sse`);
  try {
    await session.request("initialize", {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "sglang", version: "0" },
    });
    await session.notify("notifications/initialized");
    const call = async (code: string) => {
      const answer = await session.request("tools/call", { name: "python", arguments: { code } });
      const content = (answer.result as { content: { type: string; text: string }[] }).content;
      return content[0].text;
    };
    assert.equal(await call("import math\nprint(round(math.pi, 4))"), "3.1416\n");
    const error = await call("def f():\n    return 1 / 0\nf()");
    assert.match(error, /ZeroDivisionError: division by zero/);
    assert.equal(error.match(/Traceback/g)?.length, 1, "the traceback appears once");
    assert.ok(!error.includes("<string>"), "no frame of sidekernel's own wrapper");
    assert.equal(
      await call("x = 1"),
      "[WARN] No output available. Use print() to output anything to stdout to receive the output",
    );
  } finally {
    session.close();
  }
});
