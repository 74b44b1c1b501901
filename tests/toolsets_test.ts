/**
 * Toolsets as data (docs/dev/extending.md): one declaration of the names
 * feeds `--toolsets` (choices, default, help), and a toolset's prompts,
 * resources and session hook reach a real MCP client through the server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadConfig } from "../src/config/config.ts";
import { configSources } from "./support/config_sources.ts";
import { UsageError } from "../src/config/errors.ts";
import { FLAGS } from "../src/config/flags.ts";
import { serveHelp } from "../src/config/help.ts";
import { TOOLSET_NAMES, TOOLSETS } from "../src/config/toolsets.ts";
import { executingToolNames, type Toolset } from "../src/tools/tool.ts";
import { connectToolsets } from "./support/mcp_client.ts";

const SOURCES = configSources();

Deno.test("--toolsets offers every declared toolset, all are on by default, and --help describes each", () => {
  assert.deepEqual(loadConfig([], SOURCES).toolsets, TOOLSET_NAMES);
  assert.deepEqual(loadConfig(["--toolsets", "files,python"], SOURCES).toolsets, [
    "files",
    "python",
  ]);
  const flag = FLAGS.find((f) => f.name === "toolsets");
  assert.deepEqual(flag?.choices, TOOLSET_NAMES);
  const help = serveHelp();
  for (const name of TOOLSET_NAMES) {
    assert.match(help, new RegExp(`${name} \\(${TOOLSETS[name].description}\\)`));
  }
  assert.throws(
    () => loadConfig(["--toolsets", "python,shell"], SOURCES),
    (error: unknown) =>
      error instanceof UsageError && error.message.includes('"shell"') &&
      TOOLSET_NAMES.every((name) => error.message.includes(name)),
  );
});

Deno.test("only the tools that declare executesCode pass the execution gate", () => {
  const names = executingToolNames([
    { name: "python", executesCode: true },
    { name: "python_reset", executesCode: true },
    { name: "pods_list" },
  ]);
  assert.deepEqual([...names].sort(), ["python", "python_reset"]);
});

Deno.test("a toolset's prompts and resources reach the client, and onSessionClosed runs once per closed session", async () => {
  const closed: string[] = [];
  const toolset: Toolset = {
    name: "files",
    tools: [],
    prompts(server) {
      server.registerPrompt("hello", { description: "says hello" }, () => ({
        messages: [{ role: "user", content: { type: "text", text: "hello" } }],
      }));
    },
    resources(server) {
      server.registerResource("note", "file:///note.txt", { mimeType: "text/plain" }, (uri) => ({
        contents: [{ uri: uri.href, text: "a note" }],
      }));
    },
    onSessionClosed: () => closed.push("closed"),
  };
  const first = await connectToolsets(toolset);
  const second = await connectToolsets(toolset);
  try {
    const prompts = await first.client.listPrompts();
    assert.deepEqual(prompts.prompts.map((p) => p.name), ["hello"]);
    const read = await first.client.readResource({ uri: "file:///note.txt" });
    assert.deepEqual(read.contents, [{ uri: "file:///note.txt", text: "a note" }]);
  } finally {
    await first.close();
  }
  assert.deepEqual(closed, ["closed"], "closing one session tells the toolset once");
  assert.deepEqual((await second.client.listPrompts()).prompts.map((p) => p.name), ["hello"]);
  await second.close();
  assert.deepEqual(closed, ["closed", "closed"]);
});
