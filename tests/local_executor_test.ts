/**
 * The local executor (the default without --jupyter-url) through a real
 * server process and real MCP SDK clients: state, notebook display, output
 * order, plots, death of the interpreter, reset.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  type CallToolResult,
  type Client,
  connectSse,
  connectStreamable,
  firstText,
} from "./support/clients.ts";
import { makeWorkspace, startServer } from "./support/server.ts";

// Debian's python3 has matplotlib (tests/support/ensure_deps.sh installs it).
const PYTHON = "/usr/bin/python3";
const ws = makeWorkspace();
const server = await startServer(["--python", PYTHON, "--timeout", "60"], {
  workspace: ws.path,
});
const clients: Client[] = [];

Deno.test.afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  assert.equal(await server.stop(), 0, "exits 0 on SIGTERM");
  ws.cleanup();
});

async function client(): Promise<Client> {
  const c = await connectStreamable(`${server.url}/mcp`);
  clients.push(c);
  return c;
}

async function run(c: Client, code: string): Promise<CallToolResult> {
  return await c.callTool({ name: "python", arguments: { code } }) as CallToolResult;
}

const text = async (c: Client, code: string) => firstText(await run(c, code));

Deno.test("local executor: the server says it serves local, stateful", async () => {
  assert.ok(
    server.logs.some((l) => l.includes('"serving MCP over HTTP"') && l.includes('"local"')),
    "the serving line names the local executor",
  );
  const c = await client();
  const { tools } = await c.listTools();
  const python = tools.find((t) => t.name === "python");
  assert.match(python?.description ?? "", /stateful Jupyter notebook environment/);
});

Deno.test("local executor: variables and imports persist across calls and MCP sessions (pod scope)", async () => {
  const a = await client();
  assert.equal(await text(a, "import math\nrows = [1, 2, 3]"), NO_OUTPUT);
  assert.equal(await text(a, "print(sum(rows), round(math.pi, 2))"), "6 3.14\n");
  const b = await client();
  assert.equal(await text(b, "rows.append(4)\nprint(len(rows))"), "4\n");
  const sse = await connectSse(`${server.url}/sse`);
  clients.push(sse);
  assert.equal(await text(sse, "print(rows)"), "[1, 2, 3, 4]\n");
});

Deno.test("local executor: the last expression is shown like execute_result, `;` hides it", async () => {
  const c = await client();
  assert.equal(await text(c, "x = 20\nx * 2 + 2"), "42\n");
  assert.equal(await text(c, "print('first')\n{'a': 1}"), "first\n{'a': 1}\n");
  assert.equal(await text(c, "x;"), NO_OUTPUT);
  assert.equal(await text(c, "None"), NO_OUTPUT);
  assert.equal(await text(c, "_"), "{'a': 1}\n", "_ holds the last shown value");
});

Deno.test("local executor: display() shows text/plain of rich objects, in order with print", async () => {
  const c = await client();
  const code = [
    "class Table:",
    "    def _repr_html_(self): return '<table></table>'",
    "    def __repr__(self): return 'Table(3 rows)'",
    "print('before')",
    "display(Table())",
    "print('after')",
  ].join("\n");
  assert.equal(await text(c, code), "before\nTable(3 rows)\nafter\n");
});

Deno.test("local executor: os.write(1), a child process and print keep their order", async () => {
  const c = await client();
  const code = [
    "import os, subprocess, sys",
    "print('one')",
    "os.write(1, b'two\\n')",
    "subprocess.run(['echo', 'three'])",
    "sys.stderr.write('four\\n')",
    "os.system('echo five >&2')",
    "print('six')",
  ].join("\n");
  assert.equal(await text(c, code), "one\ntwo\nthree\nfour\nfive\nsix\n");
});

Deno.test("local executor: a matplotlib plot comes back as image content and a PNG file", async () => {
  const c = await client();
  const result = await run(
    c,
    "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()\nprint('shown')\n" +
      "plt.figure()\nplt.bar([1, 2], [3, 4])",
  );
  const body = firstText(result);
  const images = result.content.filter((b) => b.type === "image");
  assert.equal(images.length, 2, `two figures (at show() and at the end): ${body}`);
  assert.equal(images[0].type === "image" && images[0].mimeType, "image/png");
  const files = [...body.matchAll(/(\S+\/outputs\/\S+\.png)/g)].map((m) => m[1]);
  assert.equal(files.length, 2, body);
  for (const file of files) assert.ok(existsSync(file), `${file} exists`);
  assert.ok(body.indexOf(files[0]) < body.indexOf("shown"), "the show() figure comes first");
  assert.ok(body.indexOf("shown") < body.indexOf(files[1]), "the open figure at the end");
});

Deno.test("local executor: input() fails at once; stdin reads end-of-file", async () => {
  const c = await client();
  const started = performance.now();
  assert.match(await text(c, "input('name? ')"), /input\(\) is not available/);
  assert.equal(await text(c, "import sys\nsys.stdin.read()"), "''\n");
  assert.ok(performance.now() - started < 10_000);
});

Deno.test("local executor: a traceback once, without sidekernel's frames", async () => {
  const c = await client();
  const out = await text(c, "def f():\n    return 1 / 0\nf()");
  assert.match(out, /ZeroDivisionError: division by zero/);
  assert.equal(out.match(/Traceback/g)?.length, 1);
  assert.ok(!out.includes("<sidekernel>") && !out.includes("<string>"), out);
});

Deno.test("local executor: os._exit(1) is survived; the answer says state was lost", async () => {
  const c = await client();
  await text(c, "kept = 'no'");
  const out = await text(c, "print('going')\nimport os\nos._exit(1)");
  assert.match(out, /^going\n/);
  assert.match(out, /\[STATE LOST\] the Python interpreter exited with status 1/);
  assert.match(await text(c, "print(1 + 1)"), /^2\n$/);
  assert.match(await text(c, "kept"), /NameError/);
});

Deno.test("local executor: python_reset starts a fresh interpreter and ends its processes", async () => {
  const c = await client();
  const pid = (await text(c, "import subprocess\np = subprocess.Popen(['sleep', '4321'])\np.pid"))
    .trim();
  assert.match(pid, /^\d+$/);
  assert.ok(await alive(pid), "the child runs");
  const reset = await c.callTool({ name: "python_reset", arguments: {} });
  assert.match(firstText(reset), /restarted: all variables and imports are gone/);
  assert.match(await text(c, "p"), /NameError: name 'p' is not defined/);
  const end = Date.now() + 5000;
  while (await alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!await alive(pid), "the child did not outlive the reset");
});

const NO_OUTPUT =
  "[WARN] No output available. Use print() to output anything to stdout to receive the output";

/** True while a process exists and is not a zombie (`ps` reads /proc for us). */
async function alive(pid: string): Promise<boolean> {
  const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", pid] }).output();
  const stat = new TextDecoder().decode(out.stdout).trim();
  return stat !== "" && !stat.startsWith("Z");
}

Deno.test("local executor: a setsid daemon does not outlive python_reset", async () => {
  const c = await client();
  const code = [
    "import subprocess",
    "d = subprocess.Popen(['sleep', '4322'], start_new_session=True)",
    "d.pid",
  ].join("\n");
  const pid = (await text(c, code)).trim();
  assert.ok(await alive(pid), "the daemon runs in its own session");
  await c.callTool({ name: "python_reset", arguments: {} });
  const end = Date.now() + 5000;
  while (await alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!await alive(pid), "the daemon was killed with its interpreter");
});

Deno.test("local executor: a memory bomb gets MemoryError under the ceiling; state is kept", async () => {
  const c = await client();
  await text(c, "survivor = 'here'");
  const out = await text(c, "block = bytearray(64 * 2**30)");
  assert.match(out, /MemoryError/);
  assert.match(out, /\[memory\] The code ran out of memory/);
  assert.equal(await text(c, "print(survivor)"), "here\n");
});

Deno.test("local executor: an interpreter that dies between calls is replaced and the next answer says so", async () => {
  const c = await client();
  await text(
    c,
    "import os, threading\nbefore = 1\nthreading.Timer(0.3, lambda: os._exit(7)).start()",
  );
  await new Promise((r) => setTimeout(r, 1500));
  const out = await text(c, "print('fresh')\n'before' in globals()");
  assert.match(out, /^fresh\nFalse\n/);
  assert.match(out, /Note: the Python interpreter exited with status 7 .*since the last call/);
});
