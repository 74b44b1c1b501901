/**
 * Starts `sidekernel webhook` as a real process, exactly as the binary runs
 * it (the CLI with the `server` permission set as its ceiling), and a client
 * that trusts the test CA.
 *
 * @module
 */
import { ROOT, SIDEKERNEL_ARGS } from "./server.ts";

/** A running webhook process. */
export interface WebhookProcess {
  /** e.g. `https://127.0.0.1:43123` */
  url: string;
  port: number;
  pid: number;
  /** Every JSON log line so far. */
  logs: string[];
  /** SIGTERM, then wait; returns the exit code and how long the exit took. */
  stop(): Promise<{ code: number; ms: number }>;
  /** Sends SIGTERM and returns at once; {@link stop} then waits for the exit. */
  terminate(): void;
}

/** Runs `sidekernel webhook ARGS` to completion (for usage errors). */
export async function runWebhookCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, "webhook", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/**
 * Starts the webhook on 127.0.0.1 and a free port and waits for its
 * "serving" log line.
 */
export async function startWebhook(args: string[]): Promise<WebhookProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...SIDEKERNEL_ARGS, "webhook", "--host", "127.0.0.1", "--port", "0", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const take = (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      logs.push(line);
      if (line.includes('"serving the admission webhook over HTTPS"')) url = JSON.parse(line).url;
    }
  };
  while (!url) {
    const { value, done } = await reader.read();
    if (done) {
      clearTimeout(deadline);
      await child.status;
      throw new Error(`the webhook exited before serving:\n${logs.join("\n")}\n${buffer}`);
    }
    take(value);
  }
  clearTimeout(deadline);
  const pumping = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      take(value);
    }
  })();
  let terminatedAt: number | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    logs,
    terminate() {
      terminatedAt ??= performance.now();
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    },
    async stop() {
      const t0 = terminatedAt ?? performance.now();
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const status = await child.status;
      await pumping;
      return { code: status.code, ms: performance.now() - t0 };
    },
  };
}

/** POSTs an AdmissionReview over HTTPS and returns the status and body. */
export async function postReview(
  client: Deno.HttpClient,
  url: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/mutate`, {
    client,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
