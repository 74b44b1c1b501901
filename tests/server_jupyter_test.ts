/**
 * The jupyter executor behind the real server process and a real Jupyter
 * Server: state, scopes, reset, images, timeouts, cancellation, progress.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, connectSse, connectStreamable, firstText } from "./support/clients.ts";
import { jupyterFlags, startJupyterServer } from "./support/jupyter.ts";
import { type ServerProcess, startServer } from "./support/server.ts";

const jupyter = await startJupyterServer();
const common = [...jupyterFlags(jupyter), "--timeout", "3"];
const pod = await startServer(common, { workspace: jupyter.rootDir });
let session: ServerProcess | undefined;

Deno.test.afterAll(async () => {
  await pod.stop();
  await session?.stop();
  await jupyter.stop();
});

const run = async (client: Client, code: string) =>
  firstText(await client.callTool({ name: "python", arguments: { code } }));

Deno.test("pod scope: variables persist across calls and across MCP sessions and transports", async () => {
  const a = await connectStreamable(`${pod.url}/mcp`);
  const b = await connectSse(`${pod.url}/python/sse`);
  try {
    assert.equal(
      await run(a, "shared = 41"),
      "[WARN] No output available. Use print() to output anything to stdout to receive the output",
    );
    assert.equal(await run(b, "shared += 1\nprint(shared)"), "42\n");
    assert.equal(await run(a, "shared"), "42\n");
    assert.equal(await run(a, "import os\nprint(os.getcwd())"), `${jupyter.rootDir}\n`);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("the gpt-oss server describes a stateful notebook with the workspace and timeout", async () => {
  const client = await connectSse(`${pod.url}/python/sse`);
  try {
    const instructions = client.getInstructions() ?? "";
    assert.match(instructions, /stateful Jupyter notebook environment/);
    assert.match(instructions, /time out after 3 seconds/);
    assert.ok(instructions.includes(`'${jupyter.rootDir}'`));
  } finally {
    await client.close();
  }
});

Deno.test("a displayed PNG is saved under outputs/ and returned as image content", async () => {
  const client = await connectStreamable(`${pod.url}/mcp`);
  try {
    const png =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
    const result = await client.callTool({
      name: "python",
      arguments: {
        code: `from IPython.display import display\ndisplay({"image/png": "${png}"}, raw=True)`,
      },
    });
    const text = firstText(result);
    const path = /\[image saved to (\S+)\]/.exec(text)?.[1] ?? "";
    assert.ok(path.startsWith(join(jupyter.rootDir, "outputs")), text);
    assert.ok(Deno.statSync(path).size > 0);
    const content = result.content as { type: string; mimeType?: string }[];
    assert.equal(content[1]?.type, "image");
    assert.equal(content[1]?.mimeType, "image/png");
  } finally {
    await client.close();
  }
});

Deno.test("a cell past --timeout is interrupted and the kernel keeps its state", async () => {
  const client = await connectStreamable(`${pod.url}/mcp`);
  try {
    await run(client, "kept = 'yes'");
    const text = await run(client, "import time\nprint('sleeping', flush=True)\ntime.sleep(1e6)");
    assert.match(text, /^sleeping\n/);
    assert.match(text, /\[TIMEOUT\] Execution timed out after 3 s/);
    assert.match(text, /state was kept/);
    assert.equal(await run(client, "print(kept)"), "yes\n");
  } finally {
    await client.close();
  }
});

Deno.test("cancelling a call interrupts the running cell; the kernel stays usable", async () => {
  const client = await connectStreamable(`${pod.url}/mcp`);
  try {
    await run(client, "marker = 0");
    const abort = new AbortController();
    const call = client.callTool(
      {
        name: "python",
        arguments: { code: "import time\nfor i in range(100):\n    time.sleep(0.05)\nmarker = 1" },
      },
      undefined,
      { signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 500);
    await assert.rejects(call);
    await new Promise((r) => setTimeout(r, 500));
    // Interrupted: the assignment after the loop never ran.
    assert.equal(await run(client, "print(marker)"), "0\n");
  } finally {
    await client.close();
  }
});

Deno.test("a long cell sends progress notifications with the latest output line", async () => {
  const client = await connectStreamable(`${pod.url}/mcp`);
  try {
    const messages: string[] = [];
    const result = await client.callTool(
      {
        name: "python",
        arguments: {
          code:
            "import time\nfor i in range(5):\n    print('step', i, flush=True)\n    time.sleep(0.5)",
        },
      },
      undefined,
      { onprogress: (p) => messages.push(p.message ?? ""), resetTimeoutOnProgress: true },
    );
    assert.match(firstText(result), /step 4\n$/);
    assert.ok(messages.length >= 1, "at least one progress notification");
    assert.match(messages.at(-1) ?? "", /running for \d+ s: step \d/);
  } finally {
    await client.close();
  }
});

Deno.test("python_reset gives a fresh kernel and keeps workspace files", async () => {
  const client = await connectStreamable(`${pod.url}/mcp`);
  try {
    await run(client, "gone = 1\nopen('kept.txt', 'w').write('file')");
    const reset = await client.callTool({ name: "python_reset", arguments: {} });
    assert.notEqual(reset.isError, true, firstText(reset));
    assert.match(await run(client, "print(gone)"), /NameError/);
    assert.equal(await run(client, "print(open('kept.txt').read())"), "file\n");
  } finally {
    await client.close();
  }
});

Deno.test("/metrics counts the kernel alive and the restarts by reason", async () => {
  const text = await (await fetch(`${pod.url}/metrics`)).text();
  assert.match(text, /^sidekernel_kernels_alive 1$/m);
  assert.match(text, /^sidekernel_kernel_restarts_total\{reason="reset"\} [1-9]/m);
});

Deno.test("/readyz reports the Jupyter Server", async () => {
  const ready = await (await fetch(`${pod.url}/readyz`)).json();
  assert.equal(ready.checks.executor.ok, true);
});

Deno.test("session scope: each MCP session has its own kernel", async () => {
  session = await startServer([...common, "--kernel-scope", "session"], {
    workspace: jupyter.rootDir,
  });
  const a = await connectStreamable(`${session.url}/mcp`);
  const b = await connectStreamable(`${session.url}/mcp`);
  try {
    await run(a, "mine = 'a'");
    assert.equal(await run(a, "print(mine)"), "a\n");
    assert.match(await run(b, "print(mine)"), /NameError/);
  } finally {
    await a.close();
    await b.close();
  }
});
