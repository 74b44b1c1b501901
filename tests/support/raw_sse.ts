/**
 * A bare legacy-SSE MCP client built on fetch, doing exactly what the gpt-oss
 * tool servers (vLLM, SGLang) do with the Python SDK: GET `/sse`, read the
 * `endpoint` event, POST JSON-RPC there, read answers from the stream.
 * Unlike the TypeScript SDK client, it keeps every field the server sent
 * (e.g. tool annotations outside the schema).
 *
 * @module
 */

/** One open SSE session. */
export interface RawSseSession {
  /** Sends a request and waits for the response with the same id. */
  request(method: string, params?: unknown): Promise<Record<string, unknown>>;
  /** Sends a notification. */
  notify(method: string, params?: unknown): Promise<void>;
  /** POSTs a raw body to the messages endpoint; returns the HTTP status. */
  postRaw(body: string): Promise<number>;
  close(): void;
}

/** Opens `GET url` (e.g. `http://127.0.0.1:P/python/sse`). */
export async function openRawSse(url: string): Promise<RawSseSession> {
  const abort = new AbortController();
  const response = await fetch(url, {
    signal: abort.signal,
    headers: { accept: "text/event-stream" },
  });
  if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  let endpoint: (value: string) => void = () => {};
  const endpointReady = new Promise<string>((resolve) => endpoint = resolve);
  (async () => {
    let buffer = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(event)?.[1];
          const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) =>
            l.slice(6)
          )
            .join("\n");
          if (type === "endpoint") endpoint(data);
          if (type === "message") {
            const message = JSON.parse(data);
            waiting.get(message.id)?.(message);
          }
        }
      }
    } catch {
      // closed
    }
  })();
  const path = await endpointReady;
  const post = new URL(path, url).href;
  let nextId = 1;
  const postJson = async (body: unknown) => {
    const r = await fetch(post, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await r.body?.cancel();
    return r.status;
  };
  return {
    async request(method, params) {
      const id = nextId++;
      const answer = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
      const status = await postJson({ jsonrpc: "2.0", id, method, params });
      if (status !== 202) throw new Error(`POST ${method}: HTTP ${status}`);
      return await answer;
    },
    async notify(method, params) {
      await postJson({ jsonrpc: "2.0", method, params });
    },
    async postRaw(body) {
      const r = await fetch(post, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await r.body?.cancel();
      return r.status;
    },
    close: () => abort.abort(),
  };
}
