import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { delay, startJupyterServer } from "./support/jupyter.ts";
import { KernelConnection, type KernelConnectionOptions } from "../src/kernel/connection.ts";
import { JupyterHttpError, KernelDeadError, KernelNotFoundError } from "../src/kernel/errors.ts";
import { executeRequest, type KernelMessage } from "../src/kernel/messages.ts";
import { JupyterRestClient } from "../src/kernel/rest.ts";
import { deserializeLegacy, deserializeV1, serializeV1 } from "../src/kernel/wire.ts";
import { silentLogger } from "../src/obs/log.ts";

Deno.test("serializeV1() and deserializeV1() round-trip a message with buffers", () => {
  const msg: KernelMessage<unknown> = {
    ...executeRequest("print('é')", "s"),
    buffers: [new Uint8Array([1, 2, 3])],
  };
  const back = deserializeV1(serializeV1(msg));
  assertEquals(back.channel, "shell");
  assertEquals(back.header, msg.header);
  assertEquals(back.content, msg.content);
  assertEquals(back.buffers?.map((b) => [...b]), [[1, 2, 3]]);
});

Deno.test("deserializeLegacy() reads JSON text frames with a top-level channel", () => {
  const msg = deserializeLegacy(JSON.stringify({
    channel: "iopub",
    header: { msg_id: "1", msg_type: "stream" },
    parent_header: { msg_id: "0" },
    content: { name: "stdout", text: "hi" },
  }));
  assertEquals(msg.channel, "iopub");
  assertEquals(msg.metadata, {});
  assertEquals(msg.content, { name: "stdout", text: "hi" });
});

Deno.test("JupyterRestClient puts the token in a header, never in a URL", () => {
  const rest = new JupyterRestClient({ url: "http://127.0.0.1:8888/user/alice/?token=s3cret#x" });
  assertEquals(rest.url, "http://127.0.0.1:8888/user/alice");
  assertEquals(rest.authHeaders(), { Authorization: "token s3cret" });
  const ws = rest.channelsUrl("k1", "s1");
  assertEquals(ws, "ws://127.0.0.1:8888/user/alice/api/kernels/k1/channels?session_id=s1");
  const given = new JupyterRestClient({ url: "https://h/?token=old", token: "new" });
  assertEquals(given.authHeaders(), { Authorization: "token new" });
  assert(given.channelsUrl("k", "s").startsWith("wss://h/api/kernels/k/channels?"));
  assertEquals(new JupyterRestClient({ url: "http://h" }).authHeaders(), {});
});

Deno.test("KernelConnection talks to a real kernel over both framings, fast", async (t) => {
  const server = await startJupyterServer();
  const rest = new JupyterRestClient({ url: server.url, token: server.token });
  const kernel = await rest.createKernel("python3", "");
  const open = (extra: Partial<KernelConnectionOptions> = {}) =>
    KernelConnection.open({ rest, kernelId: kernel.id, logger: silentLogger, ...extra });
  const run = async (conn: KernelConnection, code: string) => {
    const outputs: string[] = [];
    const reply = await conn.execute(code, (m) => {
      if (m.header.msg_type === "stream") outputs.push(String(m.content.text));
    }).done;
    return { reply, outputs: outputs.join("") };
  };
  const p50 = async (conn: KernelConnection, n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await conn.execute("x=1", () => {}).done;
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[Math.floor(n / 2)];
  };
  try {
    await t.step(
      "REST: the token header works, a missing kernel is KernelNotFoundError",
      async () => {
        assert((await rest.listKernels()).some((k) => k.id === kernel.id));
        const error = await rest.getKernel("00000000-0000-0000-0000-000000000000").catch((e) => e);
        assert(error instanceof KernelNotFoundError);
        const anonymous = new JupyterRestClient({ url: server.url });
        const denied = await anonymous.listKernels().catch((e) => e);
        assert(denied instanceof JupyterHttpError && denied.status === 403);
        assert(denied.message.includes("--jupyter-token"));
        // A URL copied from the browser (`/lab`) is not the base URL: the error says so.
        const lab = new JupyterRestClient({ url: `${server.url}/lab`, token: server.token });
        const notFound = await lab.info().catch((e) => e);
        assert(notFound instanceof JupyterHttpError && notFound.status === 404);
        assert(notFound.message.includes(`${server.url}/lab/api`));
        assert(
          notFound.message.includes("check --jupyter-url") && notFound.message.includes('"/lab"'),
        );
      },
    );

    await t.step("the v1 binary subprotocol is picked and executes", async () => {
      const conn = await open();
      try {
        assertEquals(conn.protocol, "v1");
        const { reply, outputs } = await run(conn, "print('v1')");
        assertEquals(reply.status, "ok");
        assertEquals(outputs, "v1\n");
      } finally {
        conn.close();
      }
    });

    await t.step("legacy JSON framing works when v1 is not offered", async () => {
      const conn = await open({ offerV1: false });
      try {
        assertEquals(conn.protocol, "legacy");
        assertEquals((await run(conn, "print('legacy')")).outputs, "legacy\n");
      } finally {
        conn.close();
      }
    });

    await t.step("a pong after each frame avoids the 40 ms delayed-ACK stall", async () => {
      const fast = await open();
      const slow = await open({ pongAfterFrame: false });
      try {
        await p50(fast, 5);
        const withPong = await p50(fast, 30);
        const withoutPong = await p50(slow, 15);
        assert(withPong < 20, `x=1 p50 with pong ${withPong.toFixed(1)} ms`);
        assert(withoutPong > withPong + 20, `p50 without pong ${withoutPong.toFixed(1)} ms`);
      } finally {
        fast.close();
        slow.close();
      }
    });

    await t.step(
      "restart() ends the pending request without success, is no loss, and the kernel answers after",
      async () => {
        const losses: string[] = [];
        const conn = await open({ onLost: (loss) => losses.push(loss.kind) });
        try {
          await run(conn, "y = 5");
          const pending = conn.execute("import time; time.sleep(30)", () => {}).done;
          await delay(300);
          await conn.restart();
          // The old process may answer before it dies (an error reply); otherwise the
          // restart fails the request: either way it ends, with no success.
          const end = await pending.then((reply) => reply.status, (e) => e);
          assert(
            end === "error" || end === "aborted" ||
              (end instanceof KernelDeadError && end.reason === "the kernel was restarted"),
            `pending request ended with ${JSON.stringify(end)}`,
          );
          assert(await conn.waitUntilAnswering(30_000), "the restarted kernel does not answer");
          assertEquals((await run(conn, "print('y' in globals())")).outputs, "False\n");
          assertEquals(losses, [], "our own restart was reported as a loss");
          assertEquals(conn.lost, undefined);
        } finally {
          conn.close();
        }
      },
    );
  } finally {
    await rest.deleteKernel(kernel.id);
    await server.stop();
  }
});
