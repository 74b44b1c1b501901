import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import {
  Counter,
  createMetrics,
  escapeLabelValue,
  Histogram,
  httpPathLabel,
  kubeVerbLabel,
  MAX_SERIES,
  METRICS_CONTENT_TYPE,
  statusLabel,
} from "./metrics.ts";

/** The shape parse-prometheus-text-format returns (prom2json-compatible). */
interface ParsedFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

function parse(text: string): Map<string, ParsedFamily> {
  const families = parsePrometheusTextFormat(text) as ParsedFamily[];
  return new Map(families.map((f) => [f.name, f]));
}

function valueOf(family: ParsedFamily | undefined, labels: Record<string, string> = {}): number {
  assert.ok(family, "metric family missing");
  const series = family.metrics.find((m) =>
    JSON.stringify(m.labels ?? {}) === JSON.stringify(labels)
  );
  assert.ok(series, `no series ${JSON.stringify(labels)} in ${family.name}`);
  return Number(series.value);
}

Deno.test("Metrics.render() is parsed by a Prometheus text parser with the recorded values", () => {
  let clock = 0;
  const metrics = createMetrics(() => clock);
  metrics.toolCalls.inc({ tool: "python", outcome: "ok" });
  metrics.toolCalls.inc({ tool: "python", outcome: "ok" });
  metrics.toolCalls.inc({ tool: "pods_list", outcome: "error" });
  const end = metrics.startExecution("jupyter");
  const running = metrics.startExecution("jupyter");
  clock = 1_500;
  end();
  end(); // idempotent
  metrics.mcpSessions.inc({ server: "full", transport: "streamable" });
  metrics.kernelsAlive.set({}, 1);
  metrics.kernelRestarts.inc({ reason: "timeout" });
  metrics.kubeRequests.inc({ verb: kubeVerbLabel("GET"), code: statusLabel(403) });
  metrics.truncations.inc({ tool: "python" });
  metrics.httpRequests.inc({ path: httpPathLabel("/mcp/"), status: statusLabel(200) });
  metrics.httpRequests.inc({ path: httpPathLabel("/../../etc/passwd"), status: "404" });

  const text = metrics.render();
  const families = parse(text);

  const calls = families.get("sidekernel_tool_calls_total");
  assert.equal(calls?.type, "COUNTER");
  assert.equal(calls?.help, "MCP tool calls by tool and outcome.");
  assert.equal(valueOf(calls, { tool: "python", outcome: "ok" }), 2);
  assert.equal(valueOf(calls, { tool: "pods_list", outcome: "error" }), 1);

  const duration = families.get("sidekernel_execution_duration_seconds");
  assert.equal(duration?.type, "HISTOGRAM");
  // The parser drops the labels, _sum and _count of labelled histograms (its open issue
  // yunyu/parse-prometheus-text-format#13), so read the series once more untyped.
  const untyped = parse(text.replace(/^# TYPE sidekernel_execution_duration_seconds .*$/m, ""));
  const seriesOf = (suffix: string) =>
    untyped.get(`sidekernel_execution_duration_seconds_${suffix}`);
  const bucket = (le: string) => valueOf(seriesOf("bucket"), { executor: "jupyter", le });
  assert.equal(bucket("1"), 0);
  assert.equal(bucket("2.5"), 1);
  assert.equal(bucket("300"), 1);
  assert.equal(bucket("+Inf"), 1);
  assert.equal(valueOf(seriesOf("sum"), { executor: "jupyter" }), 1.5);
  assert.equal(valueOf(seriesOf("count"), { executor: "jupyter" }), 1);
  assert.equal(
    valueOf(families.get("sidekernel_executions_in_flight"), { executor: "jupyter" }),
    1,
  );
  running();
  assert.equal(
    valueOf(parse(metrics.render()).get("sidekernel_executions_in_flight"), {
      executor: "jupyter",
    }),
    0,
  );
  const sessions = families.get("sidekernel_mcp_sessions");
  assert.equal(sessions?.type, "GAUGE");
  assert.equal(valueOf(sessions, { server: "full", transport: "streamable" }), 1);
  assert.equal(valueOf(families.get("sidekernel_kernels_alive")), 1);
  assert.equal(valueOf(families.get("sidekernel_kernel_restarts_total"), { reason: "timeout" }), 1);
  assert.equal(
    valueOf(families.get("sidekernel_kubernetes_requests_total"), { verb: "get", code: "403" }),
    1,
  );
  assert.equal(valueOf(families.get("sidekernel_output_truncations_total"), { tool: "python" }), 1);
  const http = families.get("sidekernel_http_requests_total");
  assert.equal(valueOf(http, { path: "/mcp", status: "200" }), 1);
  assert.equal(valueOf(http, { path: "other", status: "404" }), 1);
  assert.equal(
    valueOf(families.get("sidekernel_build_info"), { version: valueOfVersion(text) }),
    1,
  );
  assert.ok(valueOf(families.get("process_start_time_seconds")) > 1_600_000_000);

  // Every family has HELP and TYPE lines, and the text ends with a newline.
  for (const name of families.keys()) {
    assert.match(text, new RegExp(`^# HELP ${name} `, "m"));
    assert.match(text, new RegExp(`^# TYPE ${name} `, "m"));
  }
  assert.ok(text.endsWith("\n"));
  assert.equal(METRICS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

function valueOfVersion(text: string): string {
  return /sidekernel_build_info\{version="([^"]*)"\}/.exec(text)?.[1] ?? "";
}

Deno.test("Counter renders label values with backslash, quote and newline escaped", () => {
  const counter = new Counter("t_total", "A help text with a \\ and\na newline.", ["v"]);
  const tricky = 'C:\\dir\\"quoted"\nnext} x="y",z';
  counter.inc({ v: tricky }, 3);
  const lines: string[] = [];
  counter.render(lines);
  const text = lines.join("\n") + "\n";
  assert.ok(text.includes('t_total{v="C:\\\\dir\\\\\\"quoted\\"\\nnext} x=\\"y\\",z"} 3'), text);
  assert.ok(text.includes("# HELP t_total A help text with a \\\\ and\\na newline."));
  const [family] = parsePrometheusTextFormat(text) as ParsedFamily[];
  assert.deepEqual(family.metrics, [{ labels: { v: tricky }, value: "3" }]);
  assert.equal(escapeLabelValue('a"b'), 'a\\"b');
});

Deno.test('Counter folds series past MAX_SERIES into one "other" series', () => {
  const counter = new Counter("c_total", "c", ["id"]);
  for (let i = 0; i < MAX_SERIES + 50; i++) counter.inc({ id: `session-${i}` });
  const [family] = parsePrometheusTextFormat(renderOne(counter)) as ParsedFamily[];
  assert.equal(family.metrics.length, MAX_SERIES + 1);
  assert.equal(valueOf(family, { id: "other" }), 50);
  assert.throws(() => counter.inc({ id: "x" }, -1), RangeError);
});

Deno.test("Histogram renders cumulative buckets, +Inf, _sum and _count", () => {
  const histogram = new Histogram("h_seconds", "h", [], [0.5, 0.1, 1]);
  for (const v of [0.05, 0.3, 0.3, 7]) histogram.observe({}, v);
  const lines: string[] = [];
  histogram.render(lines);
  const [family] = parsePrometheusTextFormat(lines.join("\n") + "\n") as ParsedFamily[];
  assert.equal(family.type, "HISTOGRAM");
  assert.deepEqual(family.metrics, [{
    buckets: { "0.1": "1", "0.5": "3", "1": "3", "+Inf": "4" },
    sum: "7.65",
    count: "4",
  }]);
});

Deno.test("label helpers keep cardinality bounded", () => {
  assert.equal(httpPathLabel("/python/sse"), "/python/sse");
  assert.equal(httpPathLabel("/metrics/"), "/metrics");
  assert.equal(httpPathLabel("/mcp/x"), "other");
  assert.equal(httpPathLabel(`/${crypto.randomUUID()}`), "other");
  assert.equal(statusLabel(503), "503");
  assert.equal(statusLabel(undefined), "error");
  assert.equal(statusLabel(99999), "error");
  assert.equal(kubeVerbLabel("LIST"), "list");
  assert.equal(kubeVerbLabel("exec; drop"), "other");
});

function renderOne(counter: Counter<"id">): string {
  const lines: string[] = [];
  counter.render(lines);
  return lines.join("\n") + "\n";
}
