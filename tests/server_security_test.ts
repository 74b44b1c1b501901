/**
 * Attacks on the HTTP front of the real server process: a flood of abandoned
 * sessions, probing the token by timing. Each case asserts the refusal and
 * that the server still serves.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { timingSafeEqual } from "../src/server/guard.ts";
import { connectStreamable, firstText, INITIALIZE, postMcp } from "./support/clients.ts";
import { makeWorkspace, rssMiB, startServer } from "./support/server.ts";

Deno.test("2 × 1,000 sessions opened and abandoned expire; the second wave adds no memory", async () => {
  const ws = makeWorkspace();
  const server = await startServer(["--session-idle-timeout", "2", "--max-sessions", "2000"], {
    workspace: ws.path,
  });
  try {
    const open = async () => {
      const r = await postMcp(`${server.url}/mcp`, INITIALIZE);
      await r.body?.cancel();
      assert.equal(r.status, 200);
    };
    const gauge = async () =>
      Number(
        /sidekernel_mcp_sessions\{server="full",transport="streamable"\} (\d+)/.exec(
          await (await fetch(`${server.url}/metrics`)).text(),
        )?.[1],
      );
    // Two waves: the first sets the steady state (V8 keeps its grown heap), the
    // second must not add to it if expired sessions are really released.
    const rss: number[] = [await rssMiB(server.pid)];
    for (let wave = 0; wave < 2; wave++) {
      for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, open));
      assert.ok(await gauge() >= 1000, "the sessions are open");
      await new Promise((r) => setTimeout(r, 4500));
      assert.equal(await gauge(), 0, "every abandoned session expired");
      rss.push(await rssMiB(server.pid));
    }
    // Kept sessions would make wave 2 grow like wave 1 (≈ 110 MiB here); V8's heap settling adds
    // 6–35 MiB on this 2-core machine under load (measured over 6 runs).
    assert.ok(
      rss[2] - rss[1] < (rss[1] - rss[0]) / 2,
      `RSS MiB at start, after wave 1, after wave 2: ${rss.map((r) => r.toFixed(0)).join(", ")}`,
    );
    const client = await connectStreamable(`${server.url}/mcp`);
    assert.equal(
      firstText(await client.callTool({ name: "python", arguments: { code: "print(1)" } })),
      "1\n",
    );
    await client.close();
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

Deno.test("timingSafeEqual() compares every byte, whatever the prefix", () => {
  assert.equal(timingSafeEqual("secret-token", "secret-token"), true);
  assert.equal(timingSafeEqual("secret-token", "secret-tokem"), false);
  assert.equal(timingSafeEqual("secret-token", "secret"), false);
  assert.equal(timingSafeEqual("", "x"), false);
});

Deno.test("a token guessed by prefix is not answered faster than a wrong one", async () => {
  const ws = makeWorkspace();
  const token = "a".repeat(32) + "-correct";
  const tokenFile = join(ws.path, ".token");
  Deno.writeTextFileSync(tokenFile, token);
  const server = await startServer(["--auth-token-file", tokenFile], { workspace: ws.path });
  try {
    const probe = async (guess: string) => {
      const started = performance.now();
      const r = await fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${guess}`, "content-type": "application/json" },
        body: "{}",
      });
      await r.body?.cancel();
      assert.equal(r.status, 401);
      return performance.now() - started;
    };
    const near: number[] = [];
    const far: number[] = [];
    for (let i = 0; i < 200; i++) {
      near.push(await probe("a".repeat(32) + "-wrong!!"));
      far.push(await probe("z".repeat(40)));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const diff = Math.abs(median(near) - median(far));
    assert.ok(diff < 0.25, `median difference ${diff.toFixed(3)} ms`);
  } finally {
    await server.stop();
    ws.cleanup();
  }
});
