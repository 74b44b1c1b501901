/**
 * The SSE answer streams of the HTTP front still being written: shutdown
 * waits for them, and each stream reports its first event id (its client
 * can resume it, resume.ts), a drop by its client, and its normal end.
 *
 * @module
 */

/** What a tracked stream reports. */
export interface AnswerHooks {
  /** The first `id:` of the stream (the priming event's, on resumable streams). */
  onId?: (eventId: string) => void;
  /** The client went away before the stream ended. */
  onCancel?: () => void;
  /** The server ended the stream (the answers were written). */
  onDone?: () => void;
}

const ID_LINE = /^id: ([^\n]+)$/m;

/** Counts answer streams in flight. */
export class AnswerStreams {
  #pending = 0;
  #idle?: () => void;

  /** Answer streams in flight now. */
  get pending(): number {
    return this.#pending;
  }

  /** Wraps an SSE response so its life is tracked; other responses pass as they are. */
  track(response: Response, hooks: AnswerHooks = {}): Response {
    if (!response.body || !response.headers.get("content-type")?.includes("event-stream")) {
      return response;
    }
    this.#pending++;
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      this.#pending--;
      if (this.#pending === 0) this.#idle?.();
      return true;
    };
    let seenId = hooks.onId === undefined;
    const decoder = new TextDecoder();
    const source = response.body.getReader();
    // A pull-through stream, not pipeThrough(): one hop per chunk, nothing
    // buffered ahead of the reader (docs/PERFORMANCE.md, "marks inside the server").
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await source.read();
        } catch (error) {
          if (end()) hooks.onCancel?.();
          controller.error(error);
          return;
        }
        if (next.done) {
          controller.close();
          if (end()) hooks.onDone?.();
          return;
        }
        const chunk = next.value;
        if (!seenId) {
          // Events start with their id within the first few dozen bytes.
          const id = ID_LINE.exec(decoder.decode(chunk.subarray(0, 256)))?.[1];
          if (id !== undefined) {
            seenId = true;
            hooks.onId?.(id);
          }
        }
        controller.enqueue(chunk);
      },
      cancel(reason) {
        if (end()) hooks.onCancel?.();
        return source.cancel(reason);
      },
    }, { highWaterMark: 0 });
    return new Response(body, { status: response.status, headers: response.headers });
  }

  /** Resolves when no answer stream is in flight, or after `ms`. */
  written(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#pending === 0) return resolve();
      const timer = setTimeout(resolve, ms);
      this.#idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
