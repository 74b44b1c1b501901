/**
 * `deno task bench`: every comparison side by side in one run, printed as
 * tables and written to docs/PERFORMANCE.md with the machine it ran on.
 *
 * Options: `--quick` (fewer runs, no Go peer), `--no-write` (print only).
 *
 * @module
 */
import { startJupyterServer } from "../tests/support/jupyter.ts";
import { ROOT } from "../tests/support/server.ts";
import {
  CALL_MARKS,
  CALL_SPLIT_NOTE,
  FOOTPRINT_STEPS,
  FOOTPRINT_TRIALS,
  MEMORY_BREAKDOWN,
  START_TIMELINE,
  WHERE_TIME_GOES,
} from "./findings.ts";
import { benchFootprint, type FootprintResult } from "./footprint.ts";
import { benchJupyterPaths } from "./jupyter.ts";
import { type Alternated, ALTERNATED_BLOCK, benchJupyterMcp } from "./jupyter_mcp.ts";
import { benchLocal } from "./local.ts";
import { benchPods, formatPodsBench } from "./pods.ts";
import { markdownTable, mean, percentile, type Row } from "./stats.ts";
import { benchSubprocess } from "./subprocess.ts";
import { benchWebhook } from "./webhook.ts";

const quick = Deno.args.includes("--quick");
const write = !Deno.args.includes("--no-write");
const encoder = new TextEncoder();
const say = (text: string) => Deno.stderr.writeSync(encoder.encode(`bench: ${text}\n`));
const sections: string[] = [];
const emit = (title: string, body: string) => {
  const text = `## ${title}\n\n${body}\n`;
  Deno.stdout.writeSync(encoder.encode(text + "\n"));
  sections.push(text);
};
const verdict = (ok: boolean) => (ok ? "met" : "**not met**");
const targets: Row[] = [];
/** The raw kernel over ZMQ, p50 ms: the floor the local executor is held to. */
let zmqP50 = NaN;
let footprint: FootprintResult | undefined;

say("subprocess executor vs bare python3");
const sub = await benchSubprocess(quick ? 10 : 30);
emit("Subprocess executor: trivial `python` call vs bare `python3 -c pass`", markdownTable(sub));
const subRatio = Number(sub[1].ratio);
targets.push({
  target: "subprocess `python` call p50 ≤ 0.5× a bare `python3 -c pass` of the same interpreter",
  measured: `${subRatio.toFixed(2)}×`,
  verdict: verdict(subRatio <= 0.5),
});

say("Jupyter paths (ZMQ, plain WebSocket, kernel client) and MCP");
const jupyter = await startJupyterServer();
try {
  const runs = quick ? 50 : 200;
  const paths = await benchJupyterPaths(jupyter, runs);
  const mcp = await benchJupyterMcp({
    jupyter,
    runs,
    sessions: 20,
    callsPerSession: quick ? 10 : 50,
  });
  const zmq = paths[0].p50_ms;
  zmqP50 = zmq;
  const plain = paths[1].p50_ms;
  const rows: Row[] = [
    ...paths.map((p) => ({ what: p.path, "p50 ms": p.p50_ms, "p99 ms": p.p99_ms })),
    ...mcp.latency,
  ].map((r) => ({ ...r, "× ZMQ p50": Number(r["p50 ms"]) / zmq }));
  emit(`Jupyter: \`x=1\` round trip on one kernel (${runs} runs each)`, markdownTable(rows));
  emit("Jupyter: sessions sharing the pod kernel", markdownTable([mcp.throughput]));
  const split = callSplit(mcp.alternated);
  emit(
    `Jupyter: where the time of a \`python\` call of \`x=1\` goes (${split.calls} calls per ` +
      `path, alternated in blocks of ${ALTERNATED_BLOCK})`,
    split.text,
  );
  targets.push(
    {
      target: "MCP `x=1` over Streamable HTTP, plain `fetch` client, ≤ 1.25× the raw kernel " +
        "(ZMQ) p50, alternated in one run",
      measured: `${split.ratio.toFixed(2)}× (sidekernel's own kernel client alone: ${
        split.clientRatio.toFixed(2)
      }×; serving ${split.servingMs.toFixed(2)} ms mean; MCP SDK client, not alternated: ${
        (mcp.streamableP50 / zmq).toFixed(2)
      }×)`,
      verdict: verdict(split.ratio <= 1.25),
    },
    {
      target: "≥ 5× faster than a plain WebSocket client through the same server",
      measured: `${(plain / mcp.streamableP50).toFixed(1)}×`,
      verdict: verdict(plain / mcp.streamableP50 >= 5),
    },
    {
      target: "20 sessions × 50 calls on the pod kernel, none lost",
      measured: `${mcp.throughput["wrong or lost"]} lost of ${mcp.throughput.calls}`,
      verdict: verdict(mcp.throughput["wrong or lost"] === 0),
    },
  );
  say("start-up and memory (Jupyter executor, local executor, Go peer)");
  footprint = await benchFootprint({ jupyter, runs: quick ? 2 : 5, peer: !quick });
  // The verdict is on what ships: the bundle the compiled binary carries, run as the binary runs.
  const { bundle, jupyter: sources } = footprint;
  targets.push(
    {
      target: "RSS idle ≤ 70 MiB, Jupyter executor configured",
      measured: `${bundle.idleMiB.toFixed(1)} MiB idle, ${
        bundle.startedMiB.toFixed(1)
      } MiB 1 s after ready (from the sources: ${sources.idleMiB.toFixed(1)}, ${
        sources.startedMiB.toFixed(1)
      } MiB)`,
      verdict: verdict(bundle.idleMiB <= 70),
    },
    {
      target: "process start → /readyz ok ≤ 150 ms, Jupyter executor configured",
      measured: `${bundle.readyMs.toFixed(0)} ms (from the sources: ${
        sources.readyMs.toFixed(0)
      } ms)`,
      verdict: verdict(bundle.readyMs <= 150),
    },
  );
} finally {
  await jupyter.stop();
}

say("local executor: x=1, sessions at once, start-up");
const local = await benchLocal({
  runs: quick ? 50 : 200,
  callsPerSession: quick ? 10 : 50,
  starts: quick ? 3 : 10,
});
emit(
  "Local executor: `x=1` round trip (the raw Jupyter kernel over ZMQ, same run: " +
    `${zmqP50.toFixed(2)} ms p50)`,
  markdownTable(local.latency.map((r) => ({ ...r, "× ZMQ p50": Number(r["p50 ms"]) / zmqP50 }))),
);
emit("Local executor: sessions at once", markdownTable(local.throughput));
emit("Local executor: start-up and memory of one interpreter", markdownTable(local.footprint));
targets.push(
  {
    target: "local `python` x=1 over Streamable HTTP p50 ≤ the raw kernel over ZMQ",
    measured: `${local.streamableP50.toFixed(2)} ms vs ${zmqP50.toFixed(2)} ms`,
    verdict: verdict(local.streamableP50 <= zmqP50),
  },
  {
    target: "20 sessions × 50 calls on the local executor (pod and session scope), none lost",
    measured: `${local.wrongOrLost} wrong or lost`,
    verdict: verdict(local.wrongOrLost === 0),
  },
);

say("pod tools vs kubernetes-mcp-server");
const pods = await benchPods({ pods: 1000, runs: quick ? 5 : 30, peer: !quick, progress: say });
emit("Pod tools: 1,000 pods on the fake API server", formatPodsBench(pods));
const podRow = (server: string, tool: string, args?: string) =>
  pods.rows.find((r) => r.server === server && r.tool === tool && (!args || r.args === args));
for (
  const [ours, theirs, label] of [
    [
      podRow("sidekernel", "pods_list", `{"limit":1000}`),
      podRow("kubernetes-mcp-server", "pods_list_in_namespace"),
      "pods_list (all 1,000 pods)",
    ],
    [
      podRow("sidekernel", "events_list", "{}"),
      podRow("kubernetes-mcp-server", "events_list"),
      "events_list",
    ],
    [
      podRow("sidekernel", "pods_log"),
      podRow("kubernetes-mcp-server", "pods_log"),
      "pods_log tail 100",
    ],
  ] as const
) {
  if (!ours || !theirs) continue;
  const time = ours.p50Ms / theirs.p50Ms;
  const chars = ours.textChars / theirs.textChars;
  targets.push({
    target: `${label}: p50 and text ≤ 0.5× kubernetes-mcp-server`,
    measured: `time ${time.toFixed(2)}×, text ${chars.toFixed(2)}×`,
    verdict: verdict(time <= 0.5 && chars <= 0.5),
  });
}

say("admission webhook /mutate over HTTPS");
const webhook = await benchWebhook(quick ? 200 : 1000);
emit(
  "Admission webhook: `POST /mutate` of a Job's pod over HTTPS (`sidekernel webhook`)",
  markdownTable(webhook.rows),
);
targets.push({
  target: "webhook `/mutate` p99 < 100 ms (kept-alive connection, as the API server calls)",
  measured: `${webhook.p99Ms.toFixed(1)} ms p99, ${webhook.failed} failed`,
  verdict: verdict(webhook.p99Ms < 100 && webhook.failed === 0),
});

if (footprint) {
  emit(
    "Footprint: process start → ready, resident memory (same run, same machine)",
    markdownTable(footprint.rows) +
      (footprint.notes.length ? `\n\n${footprint.notes.join("\n")}` : ""),
  );
}
emit(
  "Footprint: what each start-up change bought (2026-12-01, `deno run`, Jupyter executor)",
  "Measured one change at a time on this machine (p50 of 5–7 starts; RSS read 1 s after " +
    "`/readyz` turned 200). The bundle rows run the bundle `deno task compile` compiles, with " +
    "`deno run` and the same permission set and flags (the binary itself cannot be built on " +
    "this machine).\n\n" + markdownTable(FOOTPRINT_STEPS),
);
emit(
  "Footprint: the last MiB, what was tried (2026-12-01, the bundle as the binary runs)",
  "Each row alternated with the baseline in one run (p50 of 6–8 starts, RSS 1 s after " +
    "`/readyz` unless the row says otherwise; `x=1` is the plain-fetch row above, 400 calls " +
    "alternated with the baseline).\n\n" + markdownTable(FOOTPRINT_TRIALS),
);
emit("Footprint: where the memory goes", markdownTable(MEMORY_BREAKDOWN));
emit(
  "Footprint: where start-up went, before the MCP surface was loaded on first use",
  markdownTable(START_TIMELINE),
);
emit(
  "Jupyter: marks inside the server around one `python` call (2026-12-01, p50 of each segment)",
  "Measured with temporary marks (`performance.now()`) at each step of one call, 280 calls " +
    "per run, a plain `fetch` client; the two columns alternated runs of the server before and " +
    "after the call log's hash turned synchronous and the answer streams lost their " +
    "`pipeThrough()`: ~0.19 ms less per call, summed over the segments that changed. Two servers " +
    "side by side, calls alternated one by one, gave 0.18 ms as the paired median over 1,200 " +
    "calls, but such a pairing moves by ~0.3 ms between runs with fresh processes, so the marks " +
    "are the measure here.\n\n" + markdownTable(CALL_MARKS),
);
emit("Targets", markdownTable(targets));
emit("Where the time goes", WHERE_TIME_GOES.join("\n"));

/** The alternated run as a table of where a call's time goes, and its ratios. */
function callSplit(run: Alternated) {
  const zmq = mean(run.zmq);
  const client = mean(run.kernelClient);
  const plain = mean(run.plain);
  const parts: [string, number][] = [
    ["the kernel: `x=1` over ZMQ, no server (`jupyter_client`)", zmq],
    [
      "Jupyter Server's relay (WebSocket to ZMQ and back): sidekernel's kernel client in the " +
      "bench's own process, minus ZMQ",
      client - zmq,
    ],
    [
      "the same `execute()` inside the server (its `/metrics`), minus in the bench's process",
      run.serverExecuteMeanMs - client,
    ],
    [
      "serving: the request into the server, the MCP SDK, the tool, rendering, the call log, " +
      "the answer out, and the client's side (plain call minus the server's `execute()`)",
      plain - run.serverExecuteMeanMs,
    ],
    ["the plain-fetch `python` call, in all", plain],
  ];
  const rows: Row[] = parts.map(([part, ms]) => ({ part, "mean ms": ms, "× ZMQ": ms / zmq }));
  const p50 = (sample: number[]) => percentile(sample, 50);
  const samples: [string, number[]][] = [
    ["kernel over ZMQ", run.zmq],
    ["sidekernel kernel client (in the bench's process)", run.kernelClient],
    ["`python` x=1 over Streamable HTTP, plain `fetch`", run.plain],
  ];
  const paths: Row[] = samples.map(([what, sample]) => ({
    what,
    "p50 ms": p50(sample),
    "p99 ms": percentile(sample, 99),
    "× ZMQ p50": p50(sample) / p50(run.zmq),
  }));
  return {
    calls: run.plain.length,
    ratio: p50(run.plain) / p50(run.zmq),
    clientRatio: p50(run.kernelClient) / p50(run.zmq),
    servingMs: plain - run.serverExecuteMeanMs,
    text: `${markdownTable(paths)}\n\nMeans, so that the parts add up:\n\n${
      markdownTable(rows)
    }\n\n${CALL_SPLIT_NOTE}`,
  };
}

if (write) {
  const mem = Deno.systemMemoryInfo();
  const header = [
    "# Performance",
    "",
    `Produced by \`deno task bench${quick ? " --quick" : ""}\` on ${
      new Date().toISOString().slice(0, 10)
    }: ` +
    `${navigator.hardwareConcurrency} cores, ${(mem.total / 2 ** 30).toFixed(0)} GiB memory, ` +
    `${Deno.build.os} ${Deno.build.arch}, Deno ${Deno.version.deno}. Medians (p50) unless noted; ` +
    "every comparison was measured in the same run.",
    "",
  ].join("\n");
  const doc = `${ROOT}/docs/PERFORMANCE.md`;
  Deno.writeTextFileSync(doc, header + "\n" + sections.join("\n"));
  // The repository's formatting, so `deno fmt --check` stays green after a bench run.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", doc], cwd: ROOT }).output();
  say("wrote docs/PERFORMANCE.md");
}
// Child processes and sockets of the runs above must not keep the bench alive.
Deno.exit(0);
