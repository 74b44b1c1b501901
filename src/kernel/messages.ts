/**
 * Typed Jupyter messages (protocol 5.3), reduced to what an execution client
 * sends and reads.
 *
 * @module
 */

/** The channels a kernel WebSocket multiplexes. */
export type Channel = "shell" | "iopub" | "stdin" | "control";

/** A message header. */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** Any Jupyter message; `content` is typed by the narrowing helpers below. */
export interface KernelMessage<C = Record<string, unknown>> {
  channel: Channel;
  header: MessageHeader;
  /** The request this message answers; `{}` for unsolicited messages. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers?: Uint8Array[];
}

/** `execute_request` content. */
export interface ExecuteRequestContent {
  code: string;
  silent: boolean;
  store_history: boolean;
  user_expressions: Record<string, unknown>;
  /** False makes `input()` raise `StdinNotImplementedError` at once. */
  allow_stdin: boolean;
  stop_on_error: boolean;
}

/** `execute_reply` content. */
export interface ExecuteReplyContent {
  status: "ok" | "error" | "aborted";
  execution_count?: number;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** `stream` content. */
export interface StreamContent {
  name: "stdout" | "stderr";
  text: string;
}

/** `display_data`, `update_display_data` and `execute_result` content. */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
  execution_count?: number;
}

/** `clear_output` content. */
export interface ClearOutputContent {
  wait: boolean;
}

/** `error` content. */
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Kernel execution states; `restarting` and `dead` are made by the server. */
export type ExecutionState = "busy" | "idle" | "starting" | "restarting" | "dead";

/** `status` content. */
export interface StatusContent {
  execution_state: ExecutionState;
}

/** `input_request` content (only sent when `allow_stdin` is true). */
export interface InputRequestContent {
  prompt: string;
  password: boolean;
}

/** Protocol version sidekernel speaks. */
export const PROTOCOL_VERSION = "5.3";

/**
 * Builds a request message with a fresh `msg_id`.
 *
 * @param channel Where it goes (`shell` for execute and kernel_info).
 * @param msgType e.g. `execute_request`.
 * @param content The request's content.
 * @param session The client session id (the same one as in the WebSocket URL).
 * @returns A message ready for {@link serializeV1} or {@link serializeLegacy}.
 */
export function createMessage<C>(
  channel: Channel,
  msgType: string,
  content: C,
  session: string,
): KernelMessage<C> {
  return {
    channel,
    header: {
      msg_id: crypto.randomUUID(),
      msg_type: msgType,
      session,
      username: "sidekernel",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

/**
 * Builds an `execute_request` with `allow_stdin: false`, so `input()` fails fast.
 *
 * @param code The cell.
 * @param session The client session id.
 * @param silent True for housekeeping code: no outputs, no history, no execution count.
 */
export function executeRequest(
  code: string,
  session: string,
  silent = false,
): KernelMessage<ExecuteRequestContent> {
  return createMessage("shell", "execute_request", {
    code,
    silent,
    store_history: !silent,
    user_expressions: {},
    allow_stdin: false,
    // True would make the kernel answer "aborted" to requests that arrive just
    // after an error (or an interrupt); executions are queued client-side anyway.
    stop_on_error: false,
  }, session);
}

/** The `msg_type` of a message. */
export function msgType(msg: KernelMessage<unknown>): string {
  return msg.header.msg_type;
}

/** The `msg_id` of the request a message answers, if any. */
export function parentId(msg: KernelMessage<unknown>): string | undefined {
  return msg.parent_header?.msg_id;
}

/** Narrows a message to `status`. */
export function isStatus(msg: KernelMessage<unknown>): msg is KernelMessage<StatusContent> {
  return msg.channel === "iopub" && msg.header.msg_type === "status";
}
