/**
 * Reads a request body with a running count and a deadline, so neither a
 * chunked body of gigabytes nor one that never ends can be buffered or held
 * (docs/SECURITY.md, "HTTP limits"): past `maxBytes` the stream is cancelled
 * at once, and the caller answers 413; past the deadline, 408.
 *
 * @module
 */

/** Why a body was not read: too large, too slow, or the client went away. */
export class BodyReadError extends Error {
  /** The HTTP status to answer with: 413, 408 or 400. */
  readonly status: 413 | 408 | 400;

  constructor(status: 413 | 408 | 400, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BodyReadError";
    this.status = status;
  }
}

/** Limits of {@link readBody}. */
export interface BodyLimits {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Time the whole body may take to arrive. @default 30000 */
  deadlineMs?: number;
}

/**
 * Reads the whole body of `request`, refusing it as soon as it is known to
 * be over the limit (by `Content-Length`, or by the count of what arrived).
 *
 * @returns the body's bytes (empty when there is none)
 * @throws {BodyReadError} 413 over `maxBytes`, 408 past the deadline, 400 when the stream fails
 * @example
 * ```ts
 * const bytes = await readBody(request, { maxBytes: 4 * 1024 * 1024 });
 * ```
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const { maxBytes } = limits;
  const deadlineMs = limits.deadlineMs ?? 30_000;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge(maxBytes, `Content-Length is ${declared}`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(() => resolve("late"), deadlineMs)
  );
  try {
    while (true) {
      let step: ReadableStreamReadResult<Uint8Array> | "late";
      try {
        step = await Promise.race([reader.read(), late]);
      } catch (error) {
        throw new BodyReadError(400, "the request body could not be read", { cause: error });
      }
      if (step === "late") {
        throw new BodyReadError(
          408,
          `the request body did not arrive within ${deadlineMs / 1000} s (${total} bytes came); ` +
            `send it at once`,
        );
      }
      if (step.done) break;
      total += step.value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes, `${total} bytes arrived so far`);
      chunks.push(step.value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number, found: string): BodyReadError {
  return new BodyReadError(
    413,
    `request body over ${maxBytes} bytes (${found}); send one JSON-RPC message under the limit`,
  );
}
