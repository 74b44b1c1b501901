/**
 * Kernel WebSocket framing.
 *
 * - `v1.kernel.websocket.jupyter.org` (jupyter_server ≥ 1.15): binary frames
 *   `[n: u64le][offsets: n × u64le][channel][header][parent][metadata][content][buffers…]`.
 * - Legacy (no subprotocol): JSON text frames with a top-level `channel`;
 *   messages with buffers come as binary `[nbufs: u32be][offsets: u32be…][json][buffers…]`.
 *
 * @module
 */

import type { Channel, KernelMessage } from "./messages.ts";

/** The binary subprotocol's name. */
export const V1_SUBPROTOCOL = "v1.kernel.websocket.jupyter.org";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Serializes a message for the v1 binary subprotocol.
 *
 * @param msg The message; `channel` is taken from it.
 * @returns One binary frame.
 */
export function serializeV1(msg: KernelMessage<unknown>): Uint8Array {
  const parts = [
    encoder.encode(JSON.stringify(msg.header)),
    encoder.encode(JSON.stringify(msg.parent_header)),
    encoder.encode(JSON.stringify(msg.metadata)),
    encoder.encode(JSON.stringify(msg.content)),
    ...(msg.buffers ?? []),
  ];
  const channel = encoder.encode(msg.channel);
  const offsets: number[] = [8 * (1 + 1 + parts.length + 1)];
  offsets.push(offsets[0] + channel.length);
  for (const part of parts) offsets.push(offsets[offsets.length - 1] + part.length);
  const out = new Uint8Array(offsets[offsets.length - 1]);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(offsets.length), true);
  offsets.forEach((offset, i) => view.setBigUint64(8 * (i + 1), BigInt(offset), true));
  out.set(channel, offsets[0]);
  parts.forEach((part, i) => out.set(part, offsets[i + 1]));
  return out;
}

/**
 * Parses a v1 binary frame.
 *
 * @param frame The frame's bytes.
 * @returns The message.
 * @throws {SyntaxError} When the frame is malformed.
 */
export function deserializeV1(frame: Uint8Array): KernelMessage {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = Number(view.getBigUint64(0, true));
  if (count < 6 || 8 * (count + 1) > frame.byteLength) {
    throw new SyntaxError(`malformed kernel frame: ${count} offsets in ${frame.byteLength} bytes`);
  }
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(Number(view.getBigUint64(8 * (i + 1), true)));
  // The last offset may be omitted by some servers: the final part runs to the frame's end.
  const end = (i: number) => (i < offsets.length ? offsets[i] : frame.byteLength);
  const slice = (i: number) => frame.subarray(offsets[i], end(i + 1));
  const json = (i: number) => JSON.parse(decoder.decode(slice(i)));
  const buffers: Uint8Array[] = [];
  for (let i = 5; i < count - 1; i++) buffers.push(slice(i));
  return {
    channel: decoder.decode(slice(0)) as Channel,
    header: json(1),
    parent_header: json(2),
    metadata: json(3),
    content: json(4),
    buffers,
  };
}

/**
 * Serializes a message for the legacy protocol (a JSON text frame).
 *
 * @param msg The message; buffers are not supported (requests carry none).
 */
export function serializeLegacy(msg: KernelMessage<unknown>): string {
  const { buffers: _buffers, ...rest } = msg;
  return JSON.stringify(rest);
}

/**
 * Parses a legacy frame: JSON text, or the binary form used for messages with buffers.
 *
 * @param frame Text or bytes as received.
 * @throws {SyntaxError} When the frame is malformed.
 */
export function deserializeLegacy(frame: string | Uint8Array): KernelMessage {
  if (typeof frame === "string") return normalize(JSON.parse(frame));
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nbufs = view.getUint32(0);
  const offsets: number[] = [];
  for (let i = 0; i < nbufs; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(frame.byteLength);
  const msg = normalize(JSON.parse(decoder.decode(frame.subarray(offsets[0], offsets[1]))));
  msg.buffers = [];
  for (let i = 1; i < nbufs; i++) msg.buffers.push(frame.subarray(offsets[i], offsets[i + 1]));
  return msg;
}

function normalize(raw: KernelMessage): KernelMessage {
  return { ...raw, parent_header: raw.parent_header ?? {}, metadata: raw.metadata ?? {} };
}
