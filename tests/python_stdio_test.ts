/**
 * The `python` tool over stdio, in a real server process. Over stdio no HTTP
 * front refuses a call before it reaches the tool (README, "Operating it"): the
 * cell service's own gate answers, as a tool error result naming the flag,
 * and the call that runs sends progress with its latest output line.
 */
import assert from "node:assert/strict";
import { deadline } from "../src/async/deadline.ts";
import { connectStdio, firstText } from "./support/clients.ts";
import { makeWorkspace, ROOT, SERVE_ARGS } from "./support/server.ts";

Deno.test("python over stdio: a call past --max-executions is an error result naming the flag; the running call sends progress; the next call runs", async () => {
  const ws = makeWorkspace();
  const { client } = await connectStdio(
    [
      ...SERVE_ARGS,
      "--transport",
      "stdio",
      "--executor",
      "subprocess",
      "--max-executions",
      "1",
      "--workspace-path",
      ws.path,
    ],
    { cwd: ROOT, env: { PATH: Deno.env.get("PATH") ?? "" } },
  );
  try {
    const messages: string[] = [];
    const { promise: working, resolve: onWorking } = Promise.withResolvers<void>();
    const long = client.callTool(
      {
        name: "python",
        arguments: {
          code: "import time\nprint('working', flush=True)\ntime.sleep(4)\nprint('done')",
        },
      },
      undefined,
      {
        onprogress: (p) => {
          messages.push(p.message ?? "");
          if (p.message?.endsWith(": working")) onWorking();
        },
        resetTimeoutOnProgress: true,
      },
    );
    await deadline(working, 30_000); // progress named "working" (else a TimeoutError)

    const refused = await client.callTool({ name: "python", arguments: { code: "print(2)" } });
    assert.equal(refused.isError, true);
    assert.match(firstText(refused), /its limit of 1 executions at once \(--max-executions\)/);

    const result = await long;
    assert.notEqual(result.isError, true);
    assert.equal(firstText(result), "working\ndone\n");
    assert.match(messages.at(-1) ?? "", /^running for \d+ s: working$/);

    const next = await client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
    assert.equal(firstText(next), "42\n");
  } finally {
    await client.close();
    ws.cleanup();
  }
});
