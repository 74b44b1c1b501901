/**
 * A client that keeps sending a request body the server has refused, as
 * curl does: it writes `head`, then `chunk` up to `times` times, and stops
 * as soon as a whole answer (by its Content-Length) has come. Used to prove
 * that a refusal reaches a client still sending (tests/security/).
 *
 * @module
 */

/**
 * Sends on `conn` (TCP or TLS) until answered; returns the answer's status
 * line, "" when the connection was reset before any answer could be read.
 */
export async function floodUntilAnswered(
  conn: Deno.Conn,
  head: Uint8Array,
  chunk: Uint8Array,
  times: number,
): Promise<string> {
  let text = "";
  let answered = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const bytes of conn.readable) {
        text += decoder.decode(bytes, { stream: true });
        const [top, body] = text.split("\r\n\r\n");
        const length = Number(/content-length: *(\d+)/i.exec(top)?.[1] ?? NaN);
        if (body !== undefined && body.length >= length) break;
      }
    } catch {
      // reset: what came is the answer
    }
    answered = true;
  })();
  const writer = conn.writable.getWriter();
  try {
    await writer.write(head);
    for (let i = 0; i < times && !answered; i++) await writer.write(chunk);
  } catch {
    // the server closed the connection after its answer
  }
  await reading;
  try {
    conn.close();
  } catch {
    // closed already
  }
  return text.split("\r\n")[0];
}
