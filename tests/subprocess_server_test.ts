/**
 * The stateless executor through a real server and MCP client: a plot made
 * with `plt.show()` comes back as image content and a file under
 * `outputs/` named in the text (as with the Jupyter executor), calls forked
 * from the warm interpreter start clean, and stderr is JSON lines only.
 */
import assert from "node:assert/strict";
import { connectStreamable, firstText } from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

Deno.test("subprocess executor over MCP: a plot is image content and a saved file; state is fresh each call", async () => {
  const ws = makeWorkspace();
  const server = await startServer(
    ["--executor", "subprocess", "--python", "/usr/bin/python3", "--toolsets", "python"],
    { workspace: ws.path },
  );
  const client = await connectStreamable(`${server.url}/mcp`);
  try {
    const result = await client.callTool({
      name: "python",
      arguments: {
        code: "import matplotlib.pyplot as plt\nplt.plot([3, 1, 2])\nplt.title('t')\n" +
          "plt.show()\nprint('done')",
      },
    });
    const content = result.content as { type: string; data?: string; mimeType?: string }[];
    const text = firstText(result);
    const saved = /\[image saved to ([^\]]+\.png)\]/.exec(text);
    assert.ok(saved, text);
    assert.ok(saved[1].startsWith(`${ws.path}/outputs/`), saved[1]);
    const file = Deno.readFileSync(saved[1]);
    assert.equal(new TextDecoder().decode(file.subarray(1, 4)), "PNG");
    assert.match(text, /done\n/);
    const images = content.filter((c) => c.type === "image");
    assert.equal(images.length, 1);
    assert.equal(images[0].mimeType, "image/png");
    assert.equal(atob(images[0].data ?? "").length, file.length);

    const set = await client.callTool({ name: "python", arguments: { code: "x = 1\nprint(x)" } });
    assert.equal(firstText(set), "1\n");
    const after = await client.callTool({
      name: "python",
      arguments: { code: "print('x' in globals())" },
    });
    assert.equal(firstText(after), "False\n");
    for (const line of server.logs) JSON.parse(line);
  } finally {
    await client.close();
    await server.stop();
    ws.cleanup();
  }
});
