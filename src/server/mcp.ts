/**
 * MCP server factories: the full `sidekernel` server and the gpt-oss
 * `python` server. A new server is made for every MCP session; the
 * executor and toolsets behind them are shared.
 *
 * @module
 */
import { callFields } from "../obs/call_log.ts";
import type { Logger } from "../obs/log.ts";
import type { Metrics, ToolOutcome } from "../obs/metrics.ts";
import { OUTCOME_META, type Tool, type ToolContext, type Toolset } from "../tools/tool.ts";
import { VERSION } from "../version.ts";
import { isBudgetAbort } from "./budget.ts";
import type { Leg } from "./sessions.ts";
import { answerToolListAsBefore } from "./sse_tool_list.ts";
import { z } from "zod";
import { type CallToolResult, McpServer, type ServerContext } from "../mcp/sdk.ts";

/** What the factories need; built once at start-up. */
export interface ServerDeps {
  /** Toolsets of the full server, already filtered by `--toolsets`. */
  toolsets: readonly Toolset[];
  /** The `python` tool, served alone by the gpt-oss server. */
  pythonTool: Tool;
  /** The python tool's description: the gpt-oss server's instructions. */
  pythonInstructions: string;
  logger: Logger;
  metrics: Metrics;
  /** Log code and output verbatim (`--log-level debug`). */
  verboseLogs?: boolean;
  /** Tools served by the full server besides the toolsets' (the `--debug-faults` tools). */
  extraTools?: readonly Tool[];
}

const FULL_INSTRUCTIONS =
  "sidekernel runs Python in this pod and shows, read-only, the pods of its namespace. " +
  "Use `python` for computation; files written to the workspace persist. When code fails " +
  "because of the environment (memory, a crashed worker pod), use the pods tools.";

/** The full server (`/mcp`, `/sse`, stdio): every enabled toolset. */
export function createFullServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: "sidekernel", version: VERSION },
    { instructions: FULL_INSTRUCTIONS, capabilities: { logging: {} } },
  );
  trackLogLevel(server);
  registerToolsets(server, deps.toolsets, deps);
  for (const tool of deps.extraTools ?? []) registerTool(server, tool, deps);
  return server;
}

/** What registering a tool needs: where to log and count its calls. */
export type RegisterDeps = Pick<ServerDeps, "logger" | "metrics" | "verboseLogs">;

/**
 * Registers each toolset's tools (with logging, metrics, progress), prompts
 * and resources on one session's `server`, and tells every toolset when that
 * server closes. The server's `onclose` is set here, once, by the code that
 * made the server; toolsets never touch it.
 */
export function registerToolsets(
  server: McpServer,
  toolsets: readonly Toolset[],
  deps: RegisterDeps,
): void {
  for (const toolset of toolsets) {
    for (const tool of toolset.tools) registerTool(server, tool, deps);
    toolset.prompts?.(server);
    toolset.resources?.(server);
  }
  const closing = toolsets.filter((toolset) => toolset.onSessionClosed);
  if (closing.length === 0) return;
  server.server.onclose = () => {
    for (const toolset of closing) toolset.onSessionClosed?.(server);
  };
}

/**
 * The gpt-oss python server (`/python/*`): named `python`, its instructions
 * are the tool description, and it has exactly one tool, `python`. On
 * legacy SSE (`leg` "sse") its `tools/list` keeps the first release's bytes
 * (sse_tool_list.ts).
 */
export function createPythonServer(deps: ServerDeps, leg?: Leg): McpServer {
  const server = new McpServer(
    { name: "python", version: VERSION },
    { instructions: deps.pythonInstructions },
  );
  registerTool(server, deps.pythonTool, deps);
  if (leg === "sse") answerToolListAsBefore(server, [deps.pythonTool]);
  return server;
}

function registerTool(server: McpServer, tool: Tool, deps: RegisterDeps): void {
  const { logger, metrics } = deps;
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      ...schemasOf(tool),
      annotations: tool.annotations,
    },
    async (args: Record<string, unknown>, ctx: ServerContext) => {
      const request = ctx.mcpReq;
      const token = request._meta?.progressToken;
      const context: ToolContext = {
        sessionId: ctx.sessionId,
        signal: request.signal,
        progress: token === undefined ? undefined : (progress, message) =>
          request.notify({
            method: "notifications/progress",
            params: { progressToken: token, progress, message },
          }),
      };
      const started = performance.now();
      try {
        const result = await tool.handler(args, context);
        // On the 2026-07-28 leg the budget aborts the exchange's Request (modern.ts).
        const outcome = outcomeOf(result, request.signal, ctx.http?.req?.signal);
        metrics.toolCalls.inc({ tool: tool.name, outcome });
        const headers = ctx.http?.req?.headers;
        const fields = callFields({
          tool: tool.name,
          session: ctx.sessionId,
          request: request.id,
          headers: headers ? Object.fromEntries(headers) : undefined,
          args: args ?? {},
          result,
          durationMs: performance.now() - started,
          outcome,
        }, deps.verboseLogs === true);
        logger.info("tool call", fields);
        notifyClient(server, ctx, outcome === "error" ? "warning" : "info", fields);
        return result;
      } catch (error) {
        // A tool must never take the server down: report and carry on.
        logger.error("tool failed", { tool: tool.name, error });
        metrics.toolCalls.inc({ tool: tool.name, outcome: "error" });
        const why = error instanceof Error ? error.message : String(error);
        return { content: [{ type: "text", text: `${tool.name} failed: ${why}` }], isError: true };
      }
    },
  );
}

/** Each tool's schemas, made once: a 2026-07-28 request gets a new server every time. */
const schemas = new WeakMap<Tool, { inputSchema: z.ZodObject; outputSchema?: z.ZodObject }>();

function schemasOf(tool: Tool): { inputSchema: z.ZodObject; outputSchema?: z.ZodObject } {
  let made = schemas.get(tool);
  if (!made) {
    made = {
      // Strict: an argument the tool does not take is refused, named (not dropped).
      inputSchema: z.strictObject(tool.inputSchema),
      outputSchema: tool.outputSchema ? z.object(tool.outputSchema) : undefined,
    };
    schemas.set(tool, made);
  }
  return made;
}

/** How a call ended, for logs and metrics (a call over its budget is a "timeout"). */
function outcomeOf(
  result: CallToolResult,
  signal?: AbortSignal,
  exchange?: AbortSignal,
): ToolOutcome {
  if (signal?.aborted && isBudgetAbort(signal.reason)) return "timeout";
  if (exchange?.aborted && isBudgetAbort(exchange.reason)) return "timeout";
  if (result.isError) return "error";
  const told = result._meta?.[OUTCOME_META];
  if (told === "timeout" || told === "cancelled") return told;
  return signal?.aborted ? "cancelled" : "ok";
}

/** MCP logging levels, least severe first (the spec's order). */
const LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
type Level = typeof LEVELS[number];

/** The level each 2025-era server's client asked for with `logging/setLevel`. */
const askedLevels = new WeakMap<McpServer, Level>();

/**
 * Answers `logging/setLevel` on a 2025-era session: remembers the level the
 * client asked for, so call summaries go only to clients that asked for
 * them (2026-07-28 requests carry their level in `_meta`; the SDK reads it).
 */
function trackLogLevel(server: McpServer): void {
  server.server.setRequestHandler("logging/setLevel", (request) => {
    const level = request.params.level;
    if ((LEVELS as readonly string[]).includes(level)) askedLevels.set(server, level as Level);
    return {};
  });
}

/**
 * Sends the call's log line as an MCP logging notification, to clients that
 * asked for them: on a 2025-era session with `logging/setLevel`, on a
 * 2026-07-28 request with the log level in its `_meta` (the SDK filters by it).
 */
function notifyClient(
  server: McpServer,
  ctx: ServerContext,
  level: "info" | "warning",
  data: Record<string, unknown>,
): void {
  if (ctx.mcpReq.envelope === undefined) {
    const asked = askedLevels.get(server);
    if (asked === undefined || LEVELS.indexOf(level) < LEVELS.indexOf(asked)) return;
  }
  const { code: _code, output: _output, ...summary } = data;
  ctx.mcpReq.log(level, summary, "sidekernel").catch(() => {});
}
