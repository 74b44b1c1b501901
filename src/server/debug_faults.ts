/**
 * Fault tools for the liveness tests (`--debug-faults on`, off by default,
 * refused by the compiled binary): they wedge the serving worker the two
 * ways a hostile request used to, so the tests can prove that `/healthz`
 * turns false and SIGTERM still ends the process (docs/RELIABILITY.md,
 * "Liveness"). Once those request paths are fixed, nothing a client can send
 * wedges the worker any more — which is why the tests need these.
 *
 * - `debug_pin_loop`: runs a synchronous loop for N seconds, as a
 *   catastrophic regular expression did (the event loop is pinned).
 * - `debug_block_io`: opens every file of a workspace folder with a blocking
 *   open, as reads of FIFOs did (each open holds one file-I/O thread until a
 *   writer appears; 32 hold them all).
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { quoteShort } from "../text/quote.ts";
import { errorResult, textResult, type Tool } from "../tools/tool.ts";
import { isWithin } from "../workspace/paths.ts";

const pinSchema = { seconds: z.number().min(0).max(300).describe("how long, e.g. 20") };
const blockSchema = {
  folder: z.string().describe('a folder under the workspace holding FIFOs, e.g. "fifos"'),
};

const ANNOTATIONS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: false,
  include_in_prompt: false,
};

/**
 * The fault tools, for a server whose workspace is `workspacePath`.
 *
 * @example
 * ```ts
 * const tools = createDebugFaultTools("/workspace");
 * ```
 */
// deno-lint-ignore no-explicit-any
export function createDebugFaultTools(workspacePath: string): Tool<any>[] {
  const pin: Tool<typeof pinSchema> = {
    name: "debug_pin_loop",
    title: "Pin the event loop (tests only)",
    description: "Tests only: keeps the server's event loop busy for `seconds`. Example: " +
      '{"seconds": 20}',
    inputSchema: pinSchema,
    annotations: { ...ANNOTATIONS, title: "Pin the event loop" },
    handler: (args) => {
      const end = performance.now() + args.seconds * 1000;
      while (performance.now() < end) {
        // busy on purpose
      }
      return Promise.resolve(textResult(`the event loop was pinned for ${args.seconds} s`));
    },
  };
  const block: Tool<typeof blockSchema> = {
    name: "debug_block_io",
    title: "Block file I/O (tests only)",
    description: "Tests only: opens every file of a workspace folder with a blocking open. " +
      'Example: {"folder": "fifos"}',
    inputSchema: blockSchema,
    annotations: { ...ANNOTATIONS, title: "Block file I/O" },
    handler: (args) => {
      const folder = join(workspacePath, args.folder);
      if (!isWithin(workspacePath, folder)) {
        return Promise.resolve(
          errorResult(`folder ${quoteShort(args.folder)} is not under the workspace`),
        );
      }
      let opened = 0;
      // Listed synchronously: an async listing would queue behind the opens it starts.
      for (const entry of Deno.readDirSync(folder)) {
        if (opened >= 64) break;
        // Not awaited: each open waits for a writer on a file-I/O thread.
        Deno.open(join(folder, entry.name), { read: true }).then((f) => f.close(), () => {});
        opened++;
      }
      return Promise.resolve(textResult(`opening ${opened} files of ${quoteShort(args.folder)}`));
    },
  };
  return [pin, block];
}
