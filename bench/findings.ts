/**
 * What `deno task bench` prints but does not re-measure on every run: the
 * start-up changes measured one at a time, where memory and start-up time
 * go, and the prose of "Where the time goes" in docs/PERFORMANCE.md.
 *
 * Measured on 2026-12-01 on the bench machine (2 cores, shared), with the
 * Jupyter executor configured; start-up times on a loaded machine scatter by
 * ±30 ms, memory by ±2 MiB.
 *
 * @module
 */
import type { Row } from "./stats.ts";

/** Start-up changes, one at a time (p50 of 5–7 starts; RSS 1 s after `/readyz` turned 200). */
export const FOOTPRINT_STEPS: Row[] = [
  step("MCP SDK 1.x: every command's code imported at start", 313, 101.6),
  step("SDK 1.x: main.ts imports inject, webhook, doctor only when they run", 242, 96.7),
  step(
    "SDK 1.x: serve imports only the configured executor; pod tools only with a cluster",
    239,
    94.9,
  ),
  step("SDK 1.x: the YAML parser only when a kubeconfig is read (main isolate)", 202, 93.4),
  step("MCP SDK v2 (`@modelcontextprotocol/server` 2.4.0), from the sources", 289, 94.9),
  step("+ `--v8-flags=--max-semi-space-size=1` (start task, tests, binary)", 259, 89.2),
  step("+ the minified bundle `deno task compile` compiles (scripts/bundle.sh)", 223, 84.8),
  step(
    "(not applied) sources, no V8 flag, `ws` loaded at the first kernel connection",
    234,
    92.7,
  ),
  step(
    "sources: the MCP surface (SDK, zod, tools) built at the first request that is not a " +
      "probe; `ws` at the first kernel connection",
    151,
    72.9,
  ),
  step("the same, bundled", 149, 73.6),
  step("(for comparison) sources, after the first MCP `initialize`", 151, 91.6),
  step("(for comparison) bundled, after the first MCP `initialize`", 149, 84.1),
];

function step(change: string, readyMs: number, rssMiB: number): Row {
  return { change, "start → /readyz ms": readyMs, "RSS 1 s after ready MiB": rssMiB };
}

/**
 * The last MiB: V8 flags, allocator settings and code changes measured
 * against the bundle run as the binary runs (its permission set only, a cache
 * of its own), p50 of 6–8 starts alternated with the baseline, RSS 1 s after
 * `/readyz`; `x=1` is the plain-fetch `python` call on the Jupyter executor,
 * 400 calls alternated with the baseline.
 */
export const FOOTPRINT_TRIALS: Row[] = [
  trial(
    "the bundle on the cache `deno` shares across projects, with the project's deno.json and lockfile (how the bench ran it before)",
    "76.4",
    "—",
    "replaced: the binary reads neither",
  ),
  trial(
    "the bundle as the binary runs: its permission set only, no lockfile, a cache of its own",
    "70.4",
    "—",
    "the baseline",
  ),
  trial(
    "the same, idle 35 s: V8's memory reducer has compacted the heaps (it first runs 30 s after start)",
    "68.5–69.0",
    "—",
    'what "idle" measures',
  ),
  trial(
    "`--single-threaded` (no V8 helper threads)",
    "69.7",
    "+0.3 to +0.45",
    "no: the call is slower",
  ),
  trial(
    "`--minor-ms` (young generation marked, not copied)",
    "69.0",
    "+0.15 to +0.6 (+0.9 with 200 kB of output)",
    "no: the call is slower",
  ),
  trial(
    "`--lite-mode` (no optimising compilers; on the shared cache)",
    "−6.5",
    "+0.55 (+8 %)",
    "no: the call is slower",
  ),
  trial("`--no-maglev`", "69.9", "+0.15 to +0.4", "no: the call is slower"),
  trial(
    "`--no-concurrent-recompilation` (TurboFan optimises on the thread that runs the code, " +
      "not on a helper thread); 8 starts each, alternated",
    "69.6–70.2 (baseline in the same run: 70.1–73.7, half the starts near 73.5); after 40 " +
      "`python` calls 85.3–85.8 against 86.4–88.6",
    "−0.08 (paired over 1,200 alternated calls, noise); start → `/readyz` the same (137 ms); " +
      "pod tools: no difference beyond the noise in 80-call runs, alternated",
    "**yes**: start task, tests, binary",
  ),
  trial(
    "`--no-code-cache`",
    "70.2",
    "—; start → `/readyz` 166 ms against 120",
    "no: misses the start-up target",
  ),
  trial(
    "a larger young generation: `--max-semi-space-size` 2, 4 or 16 instead of 1",
    "70.3–70.5 against 69.8 (8 starts each, alternated)",
    "−0.04 to −0.39 (paired, 1,200 calls a run): within the spread of such a run",
    "no: no gain shown, and memory is the tighter target",
  ),
  trial("`MALLOC_ARENA_MAX=2`", "69.9", "—", "no: an environment setting, not part of the binary"),
  trial(
    "`gc()` 0.4 s after start (`--expose-gc`)",
    "73.6",
    "—",
    "no: the collector's own code pages cost more",
  ),
  trial(
    "the main isolate without `node:path` and `node:util`",
    "70.5",
    "—",
    "no: no change (Deno's Node layer is loaded anyway)",
  ),
  trial(
    "`--gc-memory-reducer-start-delay-ms=1000`",
    "heap compacted at 9.3 s, to the same 6.1 MB",
    "—",
    "no: only sooner (the reducer waits 8 s more, `--memory-reducer-delay-ms`); idle ends the same",
  ),
];

function trial(change: string, rssMiB: string, callMs: string, applied: string): Row {
  return { change, "RSS MiB": rssMiB, "`x=1` p50 Δ ms": callMs, applied };
}

/** Where the resident memory of an idle server goes (each row measured alone). */
export const MEMORY_BREAKDOWN: Row[] = [
  mem("`deno run` of an empty module (the process, the main isolate)", 37.7),
  mem("a second V8 isolate: the serving worker, before it imports anything", 13.3),
  mem("`node:http` in that worker (Deno's Node layer: streams, events, net)", 5.0),
  mem("`zod` alone in that worker", 11.5),
  mem("`@modelcontextprotocol/server` 2.4.0 in that worker (with zod), from npm", 27.9),
  mem("the same, bundled and minified", 13.6),
  mem("`ws` (the kernel WebSocket) on top of `node:http`", 2.5),
];

function mem(what: string, mib: number): Row {
  return { what, "RSS MiB": mib };
}

/**
 * Where start → `/readyz` went, from marks in each isolate (ms since the
 * process was spawned), measured before the MCP surface was loaded on first
 * use: the worker's module step then included the SDK, zod and the tools.
 */
export const START_TIMELINE: Row[] = [
  mark("the main isolate runs main.ts (Deno start-up, config modules loaded)", 40, 60),
  mark("config parsed, cluster looked up, the worker is created", 55, 65),
  mark("the worker's modules loaded (read, compiled) and evaluated", 195, 175),
  mark("executor and toolsets built, listening", 232, 193),
  mark("`/readyz` answered (Jupyter reached)", 252, 210),
];

function mark(what: string, sources: number, bundle: number): Row {
  return { what, "sources ms": sources, "bundle ms": bundle };
}

/**
 * Marks inside the server around one `python` call of `x=1` (plain `fetch`
 * client, Jupyter executor): the p50 of each segment over 280 calls, in two
 * runs each of 8bf21ea and of the commits after it, alternated.
 */
export const CALL_MARKS: Row[] = [
  segment(
    "request in: `node:http` to a web `Request`, guard, routing, body read, JSON parse, " +
      "revision check (`isLegacyRequest`)",
    0.305,
    0.295,
  ),
  segment(
    "MCP SDK: the transport's `handleRequest` (the message validated, the SSE stream opened) " +
      "and the dispatch to the tool; answer-stream tracking",
    0.214,
    0.172,
  ),
  segment("tool to kernel request sent: gate, cell runner, kernel queue, serialising", 0.055, 0.05),
  segment(
    "the kernel round trip through Jupyter Server (request sent to `status: idle`)",
    5.15,
    5.21,
  ),
  segment("rendering: the kernel's end to the tool's result", 0.07, 0.066),
  segment("the call log: its fields (code sha256) and its line on stderr", 0.233, 0.126),
  segment("MCP SDK: the result to the transport's `send`", 0.069, 0.066),
  segment("event store, answer stream, the event written, the stream ended", 0.214, 0.165),
  segment("the client's side: its p50 minus the server's own span (fetch, loopback)", 0.41, 0.4),
];

function segment(what: string, before: number, after: number): Row {
  return { segment: what, "8bf21ea ms": before, "now ms": after };
}

/** What the alternated split measures, printed under it. */
export const CALL_SPLIT_NOTE = "ZMQ is `jupyter_client` driving a kernel of its own (no server); " +
  "the kernel client is sidekernel's `jupyter` executor in the bench's process, on a kernel of " +
  "the same Jupyter Server the server uses; the plain call is one `tools/call` POST in a " +
  "2025-era session, read to its end. The server's `execute()` is the mean of its " +
  "`sidekernel_execution_duration_seconds` over exactly those calls. A path's row moves by " +
  "±1 ms between runs with no change of code; alternating blocks keeps the ratios of one run " +
  "comparable.";

/** The bullets of "Where the time goes". */
export const WHERE_TIME_GOES: string[] = [
  "- **Jupyter, `x=1`.** The kernel over ZMQ is the floor. Through Jupyter Server a plain " +
  "WebSocket client waits ~40 ms per execution for the client's delayed ACK, because the " +
  "server does not set TCP_NODELAY; sidekernel's kernel client sends a pong after every " +
  'frame and lands close to ZMQ. The table "where the time of a `python` call goes" splits ' +
  'one call from three paths alternated in one run; the table "marks inside the server" ' +
  "splits the serving share itself. In the runs with both (2026-12-01): Jupyter Server's " +
  "relay costs 0–0.45 ms over ZMQ, the same `execute()` inside the server 0.4–0.7 ms more " +
  "than in the bench's process (the serving worker's event loop also carries the HTTP side " +
  "of the call, and a fourth process wakes), and the serving 1.6–2.2 ms as a mean, which " +
  "carries the tail (as medians of the marks: ~1 ms inside the server, ~0.4 ms on the " +
  "client's side). The plain-fetch call came to 1.70× and 1.71× ZMQ. Within 1.25× of a " +
  "4.7 ms kernel, the relay, the server's `execute()` and the whole serving would have to " +
  "fit in ~1.2 ms; with the relay at 0.3 ms that leaves ~0.9 ms for a real HTTP request, " +
  "the MCP SDK's dispatch and the client, which take ~1.1 ms at their medians before any of " +
  "sidekernel's own code (node:http in and out ~0.45 ms, the SDK ~0.25 ms, the client " +
  "~0.4 ms). So the bound is out of reach through Jupyter Server on this machine, where a " +
  "call crosses four processes (client, sidekernel, Jupyter Server, kernel) on two cores. " +
  "A `GET /healthz` costs ~0.6 ms, an MCP `ping` ~1.0 ms. The MCP SDK client adds its own " +
  "share on top, so its row scatters more (p99).",
  "- **Local executor.** No Jupyter Server and no WebSocket: a cell is one JSON line on the " +
  "driver's stdin and a marker on its stdout, so `x=1` costs the MCP round trip plus well under " +
  "a millisecond in Python, below the raw kernel over ZMQ. Pod scope serialises the 20 " +
  "sessions on one interpreter. Session scope with 20 sessions and the cap of 16 interpreters " +
  "keeps replacing the least recently used idle one (each answer says so); no call is refused " +
  "or lost, but that many busy sessions want pod scope.",
  "- **Subprocess.** `python3` on this machine is a pyenv shim (a bash script, ~120 ms " +
  "before Python starts). sidekernel resolves it once at start-up to the real interpreter, " +
  "so a call costs the interpreter's own start-up plus a file write, a fork inside the " +
  "interpreter and the HTTP round trip; the third row shows that interpreter started bare.",
  "- **Pod tools.** The fake API server answers over node:https with TCP_NODELAY like the " +
  "real one (Deno's own TLS server stalled every response over ~1.5 kB by 40 ms). Both " +
  "servers run as processes behind Streamable HTTP. The Go server may also be slowed by " +
  "client-go's client-side rate limiter (5 requests/s by default; not verified).",
  "- **Memory.** Two isolates and the npm code they load: the process with its main isolate " +
  "is ~38 MiB, the serving worker (a second isolate, kept for its narrowed permissions) ~13 " +
  "MiB before it imports anything, and then the MCP SDK with zod (~28 MiB from npm, ~14 MiB " +
  "bundled and minified), Deno's Node layer for `node:http` (~5 MiB) and sidekernel's own " +
  "modules. The compiled binary carries the bundle, and all three ways of running sidekernel " +
  "use a 1 MiB young generation (`--max-semi-space-size=1`, ~5 MiB less, no start-up cost " +
  "measured) and `--no-concurrent-recompilation` (below). The main isolate loads only the config, the launcher and, with a cluster, the " +
  "YAML parser; inject, webhook, doctor, the executors not configured, the pod tools without a " +
  "cluster and the Kubernetes client until first use are never imported. The MCP surface " +
  "(the SDK, zod, the tools) and `ws` are loaded on first use too: the first request that is " +
  "not a probe, the first kernel connection. An idle sidecar that only answers its probes " +
  "therefore stays near the floor of isolates and `node:http` (~56 MiB) plus its executor; the " +
  "first MCP request costs the load once (80–115 ms here, against 3–5 ms for the next) and the memory comes back.",
  "- **What the memory figures measure.** The bundle runs as the compiled binary runs: with " +
  "its permission set and nothing else of deno.json, no lockfile, and a cache directory of its " +
  "own, as a new pod has. Run on the cache `deno` shares with every other project on a " +
  "developer's machine (here 35 MB of V8 code cache) and with the project's deno.json and " +
  "lockfile, the same bundle held ~6 MiB more, none of it sidekernel's. Of an idle process " +
  "~38 MiB are pages of the `deno` executable itself (its code, and its relocation table " +
  'read at load), ~32 MiB its own memory. "Idle" is read 35 s after `/readyz`: 30 s after ' +
  "an isolate starts, V8's memory reducer compacts a heap that has stopped growing (the " +
  "serving worker's from ~10 to ~7 MiB), and the process stays there while it waits; the " +
  'column "1 s after ready" is the process just started. The Go peer is read at the same ' +
  "moments. Before `--no-concurrent-recompilation`, a start held ~3 MiB more of the `deno` " +
  "executable's code pages when TurboFan first optimised on its helper thread in the first " +
  "second, and not otherwise: in one run half of the starts sat near 73.5 MiB, the rest near " +
  "70.4, so a median of five landed on either side of 70. Optimising on the thread that runs " +
  "the code costs nothing measurable on a call and keeps every start at 69.6–70.2 MiB. The " +
  'other flags and settings that would shave the last MiB cost latency or start-up (table "the ' +
  'last MiB"), so none of them is applied.',
  "- **Start-up.** About 40–60 ms until the main isolate runs (Deno itself and the config), " +
  "~15 ms to parse flags and look for a cluster, then the serving worker: a new isolate " +
  "reading, compiling and evaluating its modules (~130 ms from the sources, ~110 ms as the " +
  "bundle, before the MCP surface moved to first use; less since), building the executor " +
  "and listening (~35 ms, ~18 ms bundled), and `/readyz` " +
  "reaching Jupyter (~10 ms). The first `deno run` on an empty cache (or after a change) also " +
  "parses the whole module graph, dynamic imports included, and keeps that memory: that one " +
  "process holds ~170 MiB for the rest of its life (a start given only the analysis cache of " +
  "an earlier one stays at ~70 MiB; given only its V8 code cache, ~173). Later starts read the analysis from the " +
  "cache; the compiled binary never parses a graph.",
];
