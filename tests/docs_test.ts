/**
 * README.md, docs/*.md and docs/dev/*.md run as printed, so a doc cannot drift from what
 * works.
 *
 * What runs: every fenced block marked `sh`, `bash` or `shell` (each command,
 * `\` continuations joined, through `sh -c`, from the repository root), and
 * every `json` block with `"mcpServers"` (each server started as a desktop
 * client would, and called over stdio with the MCP SDK), and every `ts` block
 * (a client program: run with `deno run`, the project's import map and
 * loopback network only, against the server the document started before it).
 * Unmarked blocks are transcripts or synopses and are not run.
 *
 * A block that cannot run here starts with the visible line
 * `# not run by tests: <reason>` (e.g. it needs a Kubernetes cluster or a
 * GPU); the reason must be given.
 *
 * Only these are substituted: `/path/to/sidekernel` → this checkout; other
 * `/path/to/…` → a fresh temporary directory; `~` (HOME) → that directory;
 * the `sidekernel` binary → a file on PATH that runs this checkout with the
 * `server` permission set (the binary's own); and port 8000 → a free port
 * (in URLs, and as `SIDEKERNEL_PORT` for servers started without `--port`),
 * so a run never collides with a server already on 8000.
 *
 * How a command passes: it exits 0 within 180 s; or it serves (logs
 * "serving MCP over HTTP"), then it keeps serving for the rest of its
 * document and exits within 25 s of SIGTERM at the end; or it names
 * `--transport stdio`, then it answers `tools/call python` over stdio. A `ts`
 * block passes when it exits 0 within 180 s.
 * A server's stderr must be JSON lines only (Deno's one `Task …` header of
 * `deno task`, and its `Download …` lines on a first run, aside). HOME is
 * the temporary directory, but Deno's and npm's caches stay where they are.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Client, firstText } from "./support/clients.ts";
import { ROOT } from "./support/server.ts";

/** One fenced block of a Markdown file. */
interface Block {
  file: string;
  line: number;
  lang: string;
  text: string;
}

const SKIP = /^# not run by tests: *(.*)$/;
const COMMAND_LANGS = new Set(["sh", "bash", "shell"]);

function blocksOf(file: string): Block[] {
  const lines = Deno.readTextFileSync(join(ROOT, file)).split("\n");
  const blocks: Block[] = [];
  let open: { fence: string; lang: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(line);
    if (!open && fence) open = { fence: fence[1], lang: fence[2], line: i + 1, body: [] };
    else if (open && line.trim().startsWith(open.fence)) {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join("\n") });
      open = undefined;
    } else open?.body.push(line);
  });
  return blocks.filter((b) =>
    COMMAND_LANGS.has(b.lang) || b.lang === "ts" ||
    (b.lang === "json" && b.text.includes('"mcpServers"'))
  );
}

/** Commands of a shell block: continuation lines joined, blank and comment-only lines dropped. */
function commandsOf(text: string): string[] {
  return text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** What one document's commands share: a temp HOME, the `sidekernel` on PATH, a port. */
interface DocContext {
  tmp: string;
  bin: string;
  port: number;
  env: Record<string, string>;
  servers: { name: string; child: Deno.ChildProcess; stderr: string[] }[];
}

function makeContext(): DocContext {
  const tmp = Deno.makeTempDirSync({ prefix: "sidekernel-docs-" });
  const bin = join(tmp, ".bin");
  Deno.mkdirSync(bin);
  const shim = join(bin, "sidekernel");
  Deno.writeTextFileSync(
    shim,
    `#!/bin/sh\nexec "${Deno.execPath()}" run -q -P=server --ignore-env ` +
      `--unstable-worker-options --config "${ROOT}/deno.json" "${ROOT}/main.ts" "$@"\n`,
  );
  Deno.chmodSync(shim, 0o755);
  const port = freePort();
  const home = Deno.env.get("HOME") ?? "/root";
  const env = {
    HOME: tmp,
    PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    SIDEKERNEL_PORT: String(port),
    // The caches stay where they are: a new HOME must not mean downloading Deno again.
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(home, ".cache", "deno"),
    npm_config_cache: Deno.env.get("npm_config_cache") ?? join(home, ".npm"),
  };
  return { tmp, bin, port, env, servers: [] };
}

function substitute(text: string, ctx: DocContext): string {
  return text
    .replaceAll("/path/to/sidekernel", ROOT)
    .replaceAll("/path/to/", `${ctx.tmp}/`)
    .replace(/(?<=(^|\s))~(?=\/)/g, ctx.tmp)
    .replace(/\b(127\.0\.0\.1|localhost):8000\b/g, `$1:${ctx.port}`);
}

async function readLines(stream: ReadableStream<Uint8Array>, into: string[], onLine?: () => void) {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) if (line.trim()) into.push(line), onLine?.();
  }
  if (buffer.trim()) into.push(buffer);
}

function assertJsonLines(lines: string[], what: string): void {
  for (const line of lines) {
    // `deno task` names the task once; a first run on a fresh machine says what it downloads.
    // deno-lint-ignore no-control-regex
    if (/^(\x1b\[[0-9;]*m)*(Task|Download)\b/.test(line)) continue;
    assert.ok(line.startsWith("{"), `${what}: stderr line is not JSON: ${line}`);
    JSON.parse(line);
  }
}

/** Runs one shell command; a server is left running in `ctx.servers`. */
async function runCommand(command: string, ctx: DocContext, where: string): Promise<void> {
  const line = substitute(command, ctx);
  if (/--transport[ =]stdio\b/.test(line)) {
    return await callOverStdio("sh", ["-c", `exec ${line}`], ctx, where);
  }
  // A user stops one server before starting the next on the same port.
  if (/\b(task start|serve)\b/.test(line)) await stopServers(ctx);
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", line],
    cwd: ROOT,
    env: ctx.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let served!: () => void;
  const serving = new Promise<"serving">((resolve) => served = () => resolve("serving"));
  const out = readLines(child.stdout, stdout);
  const err = readLines(child.stderr, stderr, () => {
    if (stderr.at(-1)?.includes('"serving MCP over HTTP"')) served();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    child.status.then((s) => s.code),
    serving,
    new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), 180_000)),
  ]);
  clearTimeout(timer);
  if (outcome === "serving") {
    ctx.servers.push({ name: `${where}: ${line}`, child, stderr });
    return;
  }
  if (outcome === "timeout") killGroup(child.pid, "SIGKILL");
  await Promise.all([out, err]);
  assert.equal(
    outcome,
    0,
    `${where}: "${line}" should exit 0; stdout:\n${stdout.join("\n")}\nstderr:\n${
      stderr.join("\n")
    }`,
  );
  if (/tools\/call/.test(line) && /print\(6\s*\*\s*7\)/.test(line)) {
    assert.match(stdout.join("\n"), /42/, `${where}: the call printed 42`);
  }
}

/** Runs a `ts` block as a program, as a user would paste it into a file of their project. */
async function runProgram(text: string, ctx: DocContext, where: string): Promise<void> {
  const file = join(ctx.tmp, `block-${where.replace(/\W+/g, "-")}.ts`);
  Deno.writeTextFileSync(file, substitute(text, ctx));
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--config", join(ROOT, "deno.json"), "--allow-net=127.0.0.1", file],
    cwd: ctx.tmp,
    env: ctx.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.equal(
    run.code,
    0,
    `${where}: the program should exit 0; stdout:\n${decode(run.stdout)}\nstderr:\n${
      decode(run.stderr)
    }`,
  );
}

/** Starts an MCP server as a desktop client does and calls `python` over stdio. */
async function callOverStdio(
  command: string,
  args: string[],
  ctx: DocContext,
  where: string,
): Promise<void> {
  const transport = new StdioClientTransport({
    command,
    args,
    cwd: ctx.tmp,
    env: ctx.env,
    stderr: "pipe",
  });
  const stderr: string[] = [];
  transport.stderr?.on("data", (chunk: Uint8Array) => {
    stderr.push(...new TextDecoder().decode(chunk).split("\n").filter((l) => l.trim()));
  });
  const client = new Client({ name: "sidekernel-docs-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: "python", arguments: { code: "print(6 * 7)" } });
    assert.equal(firstText(result), "42\n", `${where}: python over stdio`);
  } catch (error) {
    throw new Error(`${where}: ${command} ${args.join(" ")}\nstderr:\n${stderr.join("\n")}`, {
      cause: error,
    });
  } finally {
    await client.close();
  }
  assertJsonLines(stderr, where);
}

function killGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}

async function stopServers(ctx: DocContext): Promise<void> {
  for (const server of ctx.servers) {
    killGroup(server.child.pid, "SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      server.child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 25_000)),
    ]);
    clearTimeout(timer);
    if (!ended) killGroup(server.child.pid, "SIGKILL");
    assert.ok(ended, `${server.name}: exits within 25 s of SIGTERM`);
    assertJsonLines(server.stderr, server.name);
  }
  ctx.servers = [];
}

/** Markdown files directly in `dir` (relative to the repository root), sorted. */
function markdownIn(dir: string): string[] {
  return [...Deno.readDirSync(join(ROOT, dir))].filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `${dir}/${e.name}`).sort();
}

const DOCS = ["README.md", ...markdownIn("docs"), ...markdownIn("docs/dev")];

for (const file of DOCS) {
  const blocks = blocksOf(file);
  if (blocks.length === 0) continue;
  Deno.test(`${file}: every command and client configuration runs as printed`, async (t) => {
    const ctx = makeContext();
    try {
      for (const block of blocks) {
        const where = `${file}:${block.line}`;
        const skip = SKIP.exec(block.text.split("\n")[0].trim());
        if (skip) {
          assert.ok(skip[1].trim() !== "", `${where}: "# not run by tests:" needs a reason`);
          await t.step({ name: `${where} (not run: ${skip[1]})`, ignore: true, fn: () => {} });
          continue;
        }
        await t.step(`${where} [${block.lang}]`, async () => {
          if (block.lang === "json") {
            const config = JSON.parse(substitute(block.text, ctx)) as {
              mcpServers: Record<string, { command: string; args?: string[] }>;
            };
            for (const [name, server] of Object.entries(config.mcpServers)) {
              await callOverStdio(server.command, server.args ?? [], ctx, `${where} ${name}`);
            }
          } else if (block.lang === "ts") {
            await runProgram(block.text, ctx, where);
          } else {
            for (const command of commandsOf(block.text)) await runCommand(command, ctx, where);
          }
        });
      }
    } finally {
      await stopServers(ctx);
      Deno.removeSync(ctx.tmp, { recursive: true });
    }
  });
}
