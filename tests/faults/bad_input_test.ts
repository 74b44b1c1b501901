/**
 * A generated corpus of bad input against the real server process with every
 * toolset on (pod tools against the fake API): wrong-typed, out-of-range and
 * missing arguments for every tool (from the tools' own input schemas), over
 * Streamable HTTP and legacy SSE; malformed JSON-RPC; resources/read with bad
 * URIs. Every case must get a clear answer (HTTP 4xx, a JSON-RPC error, or an
 * isError result naming the bad argument), and the server process must stay
 * the same, with /healthz OK throughout.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectStreamable, openRawSession } from "../support/clients.ts";
import { FakeKube, READ_ALL } from "../support/fake_kube.ts";
import { scenarioNamespace } from "../support/fake_kube_scenarios.ts";
import { openRawSse } from "../support/raw_sse.ts";
import { makeWorkspace, startServer } from "../support/server.ts";
import { alive } from "./support/procs.ts";
import { record } from "./support/report.ts";

const kube = await FakeKube.start({ "team-a": scenarioNamespace("team-a") });
kube.addUser("tok", "system:serviceaccount:team-a:agent", ["team-a"], READ_ALL);
const ws = makeWorkspace();
Deno.mkdirSync(join(ws.path, ".kube"));
const kubeconfig = await kube.writeKubeconfig(join(ws.path, ".kube"), "tok", {
  namespace: "team-a",
});
const server = await startServer(["--kubeconfig", kubeconfig, "--timeout", "5"], {
  workspace: ws.path,
});

Deno.test.afterAll(async () => {
  await server.stop();
  await kube.close();
  ws.cleanup();
});

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: unknown[];
  items?: JsonSchema;
}

interface ArgCase {
  tool: string;
  args: unknown;
  /** The argument the answer must name ("" when the whole arguments object is wrong). */
  names: string;
}

const WRONG: Record<string, unknown[]> = {
  string: [42, true, null, { a: 1 }, ["x"], 1.5],
  number: ["12", true, null, { n: 1 }, [1], "NaN"],
  integer: ["12", true, null, { n: 1 }, [1], 1.5],
  boolean: ["true", 1, null, { b: true }, [true], 0],
  object: ["{}", 1, true, [], null],
  array: ["[]", 1, true, { 0: "a" }, null],
};

/** Generates wrong arguments for one tool from its input schema. */
function argCases(tool: string, schema: JsonSchema): ArgCase[] {
  const cases: ArgCase[] = [];
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const valid: Record<string, unknown> = {};
  for (const name of required) valid[name] = sample(props[name]);
  for (const [name, prop] of Object.entries(props)) {
    const type = Array.isArray(prop.type) ? prop.type[0] : prop.type ?? "string";
    for (const bad of WRONG[type] ?? []) {
      cases.push({ tool, args: { ...valid, [name]: bad }, names: name });
    }
    if (typeof prop.minimum === "number") {
      cases.push({ tool, args: { ...valid, [name]: prop.minimum - 1 }, names: name });
    }
    if (typeof prop.exclusiveMinimum === "number") {
      cases.push({ tool, args: { ...valid, [name]: prop.exclusiveMinimum }, names: name });
    }
    if (typeof prop.maximum === "number") {
      cases.push({ tool, args: { ...valid, [name]: prop.maximum + 1 }, names: name });
    }
    if (prop.enum) cases.push({ tool, args: { ...valid, [name]: "no-such-value" }, names: name });
  }
  for (const name of required) {
    const { [name]: _, ...rest } = valid;
    cases.push({ tool, args: rest, names: name });
  }
  return cases;
}

function sample(prop: JsonSchema | undefined): unknown {
  const type = Array.isArray(prop?.type) ? prop.type[0] : prop?.type;
  if (prop?.enum) return prop.enum[0];
  return type === "number" || type === "integer"
    ? (prop?.minimum ?? 1)
    : type === "boolean"
    ? false
    : type === "array"
    ? []
    : type === "object"
    ? {}
    : "web-0";
}

/** The text of an answer: isError result text, or the JSON-RPC error message. */
function answerText(message: Record<string, unknown>): { clear: boolean; text: string } {
  const error = message.error as { code?: number; message?: string } | undefined;
  if (error) return { clear: typeof error.code === "number", text: error.message ?? "" };
  const result = message.result as
    | { isError?: boolean; content?: { type: string; text?: string }[] }
    | undefined;
  const text = result?.content?.map((c) => c.text ?? "").join("\n") ?? "";
  return { clear: result?.isError === true, text };
}

async function checkAlive(): Promise<void> {
  assert.ok(await alive(server.pid), "the server process is the same and alive");
  const health = await fetch(`${server.url}/healthz`);
  await health.body?.cancel();
  assert.equal(health.status, 200);
}

const ACCEPT = "application/json, text/event-stream";

/** Opens a Streamable HTTP session by hand. */
async function rawSession(): Promise<string> {
  return await openRawSession(`${server.url}/mcp`);
}

/** POSTs a raw body in a session; returns the status and the JSON-RPC messages answered. */
async function postRaw(
  session: string,
  body: string,
): Promise<{ status: number; messages: Record<string, unknown>[] }> {
  const res = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT, "mcp-session-id": session },
    body,
  });
  const text = await res.text();
  const messages: Record<string, unknown>[] = [];
  const chunks = res.headers.get("content-type")?.includes("event-stream")
    ? text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6))
    : text
    ? [text]
    : [];
  for (const chunk of chunks) {
    try {
      const parsed = JSON.parse(chunk);
      messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    } catch { /* not JSON */ }
  }
  return { status: res.status, messages };
}

Deno.test("wrong-typed, out-of-range and missing arguments for every tool: each error names the argument", async () => {
  const client = await connectStreamable(`${server.url}/mcp`);
  const sse = await openRawSse(`${server.url}/sse`);
  try {
    await sse.request("initialize", {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "bad", version: "1" },
    });
    await sse.notify("notifications/initialized");
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === "pods_log"), "pod tools are on");
    const cases = tools.flatMap((t) => [
      ...argCases(t.name, t.inputSchema as JsonSchema),
      ...["x", 1, [], null, true].map((args) => ({ tool: t.name, args, names: "" })),
    ]);
    const unclear: string[] = [];
    let n = 0;
    for (const c of cases) {
      for (const via of ["streamable", "sse"] as const) {
        const message = via === "sse"
          ? await sse.request("tools/call", { name: c.tool, arguments: c.args })
          : await client.callTool({ name: c.tool, arguments: c.args as Record<string, unknown> })
            .then((result) => ({ result }), (e: { code?: number; message?: string }) => ({
              error: { code: e.code, message: e.message },
            }));
        const { clear, text } = answerText(message as Record<string, unknown>);
        if (!clear || (c.names && !text.includes(c.names))) {
          unclear.push(`${via} ${c.tool} ${JSON.stringify(c.args)} → ${text.slice(0, 160)}`);
        }
        if (++n % 100 === 0) await checkAlive();
      }
    }
    await checkAlive();
    record({
      group: "bad-input",
      name: `wrong arguments for ${tools.length} tools (${tools.map((t) => t.name).join(", ")})`,
      observed: unclear.length === 0
        ? "every case: an error naming the argument"
        : `${unclear.length} unclear, e.g. ${unclear[0]}`,
      figures: { cases: n, unclear: unclear.length },
    });
    assert.deepEqual(unclear.slice(0, 10), [], `${unclear.length} of ${n} unclear`);
    assert.ok(n >= 300, `${n} cases`);
  } finally {
    sse.close();
    await client.close();
  }
});

Deno.test("malformed JSON-RPC and bad resource URIs: each answered with 4xx or a JSON-RPC error", async () => {
  const session = await rawSession();
  const bodies: string[] = [
    "",
    "{",
    "null",
    "42",
    '"x"',
    "[]",
    "[1,2]",
    "{}",
    "\u0000",
    "{".repeat(5000),
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' + "[".repeat(2000),
  ];
  const methods = [
    "tools/call",
    "tools/list",
    "resources/read",
    "resources/list",
    "prompts/get",
    "ping",
    "initialize",
    "no/such/method",
  ];
  const corruptions: ((m: string) => unknown)[] = [
    (m) => ({ id: 1, method: m }),
    (m) => ({ jsonrpc: "1.0", id: 1, method: m }),
    (m) => ({ jsonrpc: 2, id: 1, method: m }),
    (m) => ({ jsonrpc: "2.0", id: { x: 1 }, method: m }),
    (m) => ({ jsonrpc: "2.0", id: [1], method: m }),
    (m) => ({ jsonrpc: "2.0", id: 1, method: m, params: "x" }),
    (m) => ({ jsonrpc: "2.0", id: 1, method: m, params: 42 }),
    (m) => ({ jsonrpc: "2.0", id: 1, method: m, params: [1, 2] }),
    (m) => ({ jsonrpc: "2.0", id: 1, method: [m] }),
    (m) => ({ jsonrpc: "2.0", id: 1, method: m.toUpperCase() + "x" }),
    (m) => ({ jsonrpc: "2.0", id: null, method: m, params: {} }),
    (m) => ({ jsonrpc: "2.0", id: 1, result: m }),
  ];
  for (const m of methods) {
    for (const corrupt of corruptions) bodies.push(JSON.stringify(corrupt(m)));
  }
  const badUris = [
    "",
    "file:///etc/passwd",
    "file:../../etc/passwd",
    "file:%2e%2e/%2e%2e/etc/passwd",
    "http://example.com/x",
    "file:///" + "a/".repeat(3000),
    "file:nul\u0000byte",
    "workspace://nothing",
    "::::",
    "file:no-such-file.txt",
  ];
  for (const uri of badUris) {
    bodies.push(
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "resources/read", params: { uri } }),
    );
  }
  for (const name of ["", "no_such_tool", "python ", "PYTHON", "../python"]) {
    bodies.push(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 8,
        method: "tools/call",
        params: { name, arguments: {} },
      }),
    );
  }
  const unclear: string[] = [];
  let n = 0;
  for (const body of bodies) {
    const { status, messages } = await postRaw(session, body);
    const answered = (status >= 400 && status < 500) ||
      messages.some((m) => answerText(m).clear && m.error !== undefined) ||
      messages.some((m) => answerText(m).clear);
    if (!answered) {
      unclear.push(
        `${body.slice(0, 80)} → HTTP ${status} ${JSON.stringify(messages).slice(0, 160)}`,
      );
    }
    if (++n % 50 === 0) await checkAlive();
  }
  await checkAlive();
  record({
    group: "bad-input",
    name: "malformed JSON-RPC bodies and bad resources/read URIs (Streamable HTTP)",
    observed: unclear.length === 0
      ? "every case: HTTP 4xx or a JSON-RPC error"
      : `${unclear.length} unclear, e.g. ${unclear[0]}`,
    figures: { cases: n, unclear: unclear.length },
  });
  assert.deepEqual(unclear.slice(0, 10), [], `${unclear.length} of ${n} unclear`);
});
