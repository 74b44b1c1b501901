/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written
 * by hand: counters, gauges and histograms with labels, `# HELP`/`# TYPE`
 * lines, escaped label values. Label cardinality is bounded: label values
 * come from small sets (routes, outcomes, executors), and each metric keeps
 * at most {@link MAX_SERIES} series, folding the rest into `"other"`.
 *
 * @module
 */
import { VERSION } from "../version.ts";

/** The `Content-Type` of {@link Metrics.render}'s output. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** Series kept per metric before new label sets fold into `"other"`. */
export const MAX_SERIES = 500;
/** Buckets of the execution duration histogram, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
];

/** A metric that renders itself. */
interface Renderable {
  render(lines: string[]): void;
}

/** Label values of one series, by label name. */
export type Labels<K extends string> = { readonly [P in K]: string };

abstract class Metric<K extends string, S> implements Renderable {
  protected readonly series = new Map<string, { labels: Labels<K>; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    readonly labelNames: readonly K[],
  ) {}

  protected abstract initial(): S;

  protected at(labels: Labels<K>): S {
    let key = this.labelNames.map((n) => labels[n]).join("\u0000");
    let entry = this.series.get(key);
    if (!entry) {
      let stored = { ...labels };
      if (this.series.size >= MAX_SERIES) {
        stored = Object.fromEntries(this.labelNames.map((n) => [n, "other"])) as Labels<K>;
        key = this.labelNames.map(() => "other").join("\u0000");
        entry = this.series.get(key);
      }
      if (!entry) {
        entry = { labels: stored, state: this.initial() };
        this.series.set(key, entry);
      }
    }
    return entry.state;
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { labels, state } of this.series.values()) this.renderSeries(lines, labels, state);
  }

  protected abstract renderSeries(lines: string[], labels: Labels<K>, state: S): void;

  protected sample(lines: string[], suffix: string, labels: Record<string, string>, v: number) {
    lines.push(`${this.name}${suffix}${formatLabels(labels)} ${formatValue(v)}`);
  }
}

/** A monotonically increasing count. */
export class Counter<K extends string = never> extends Metric<K, { value: number }> {
  constructor(name: string, help: string, labelNames: readonly K[] = []) {
    super(name, help, "counter", labelNames);
  }
  protected initial(): { value: number } {
    return { value: 0 };
  }
  /** Adds `value` (≥ 0) to the series of `labels`. */
  inc(labels: Labels<K>, value = 1): void {
    if (!(value >= 0)) throw new RangeError(`counter "${this.name}" cannot decrease (${value})`);
    this.at(labels).value += value;
  }
  /** The current value of a series (0 if never set). */
  get(labels: Labels<K>): number {
    return this.at(labels).value;
  }
  protected renderSeries(lines: string[], labels: Labels<K>, state: { value: number }): void {
    this.sample(lines, "", labels, state.value);
  }
}

/** A value that goes up and down. */
export class Gauge<K extends string = never> extends Metric<K, { value: number }> {
  constructor(name: string, help: string, labelNames: readonly K[] = []) {
    super(name, help, "gauge", labelNames);
  }
  protected initial(): { value: number } {
    return { value: 0 };
  }
  /** Sets the series of `labels` to `value`. */
  set(labels: Labels<K>, value: number): void {
    this.at(labels).value = value;
  }
  /** Adds `value` (default 1). */
  inc(labels: Labels<K>, value = 1): void {
    this.at(labels).value += value;
  }
  /** Subtracts `value` (default 1). */
  dec(labels: Labels<K>, value = 1): void {
    this.at(labels).value -= value;
  }
  /** The current value of a series (0 if never set). */
  get(labels: Labels<K>): number {
    return this.at(labels).value;
  }
  protected renderSeries(lines: string[], labels: Labels<K>, state: { value: number }): void {
    this.sample(lines, "", labels, state.value);
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted in cumulative buckets, with their sum and count. */
export class Histogram<K extends string = never> extends Metric<K, HistogramState> {
  readonly buckets: readonly number[];
  constructor(name: string, help: string, labelNames: readonly K[], buckets: readonly number[]) {
    super(name, help, "histogram", labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  /** Records one observation. */
  observe(labels: Labels<K>, value: number): void {
    const state = this.at(labels);
    this.buckets.forEach((bound, i) => {
      if (value <= bound) state.counts[i]++;
    });
    state.sum += value;
    state.count++;
  }
  protected renderSeries(lines: string[], labels: Labels<K>, state: HistogramState): void {
    this.buckets.forEach((bound, i) => {
      this.sample(lines, "_bucket", { ...labels, le: formatValue(bound) }, state.counts[i]);
    });
    this.sample(lines, "_bucket", { ...labels, le: "+Inf" }, state.count);
    this.sample(lines, "_sum", labels, state.sum);
    this.sample(lines, "_count", labels, state.count);
  }
}

/** Outcome of a tool call. */
export type ToolOutcome = "ok" | "error" | "timeout" | "cancelled";

/** Every series sidekernel exports; create one with {@link createMetrics}. */
export interface Metrics {
  /** `sidekernel_tool_calls_total{tool,outcome}` */
  readonly toolCalls: Counter<"tool" | "outcome">;
  /** `sidekernel_execution_duration_seconds{executor}` */
  readonly executionDuration: Histogram<"executor">;
  /** `sidekernel_executions_in_flight{executor}` */
  readonly executionsInFlight: Gauge<"executor">;
  /** `sidekernel_mcp_sessions{server,transport}` (server: full|python; transport: streamable|sse|stdio) */
  readonly mcpSessions: Gauge<"server" | "transport">;
  /** `sidekernel_kernels_alive` */
  readonly kernelsAlive: Gauge;
  /** `sidekernel_kernel_restarts_total{reason}` */
  readonly kernelRestarts: Counter<"reason">;
  /** `sidekernel_kubernetes_requests_total{verb,code}`; use {@link kubeVerbLabel}, {@link statusLabel}. */
  readonly kubeRequests: Counter<"verb" | "code">;
  /** `sidekernel_output_truncations_total{tool}` */
  readonly truncations: Counter<"tool">;
  /** `sidekernel_http_requests_total{path,status}`; use {@link httpPathLabel}, {@link statusLabel}. */
  readonly httpRequests: Counter<"path" | "status">;
  /**
   * Counts one execution in flight; call the returned function when it ends
   * to record its duration.
   */
  startExecution(executor: string): () => void;
  /** The exposition text (serve it with {@link METRICS_CONTENT_TYPE}). */
  render(): string;
}

/**
 * Creates an empty set of sidekernel's metrics (one per process; pass it to
 * whoever records).
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * metrics.toolCalls.inc({ tool: "python", outcome: "ok" });
 * const end = metrics.startExecution("jupyter"); // … end();
 * new Response(metrics.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
 * ```
 */
export function createMetrics(now: () => number = () => performance.now()): Metrics {
  const p = "sidekernel_";
  const buildInfo = new Gauge(`${p}build_info`, "sidekernel build; the value is 1.", ["version"]);
  buildInfo.set({ version: VERSION }, 1);
  const started = new Gauge("process_start_time_seconds", "Start time of the process (Unix s).");
  started.set({}, Math.floor(Date.now() / 1000));
  const metrics = {
    toolCalls: new Counter(`${p}tool_calls_total`, "MCP tool calls by tool and outcome.", [
      "tool",
      "outcome",
    ]),
    executionDuration: new Histogram(
      `${p}execution_duration_seconds`,
      "Wall-clock duration of python executions.",
      ["executor"],
      DURATION_BUCKETS,
    ),
    executionsInFlight: new Gauge(`${p}executions_in_flight`, "Python executions running now.", [
      "executor",
    ]),
    mcpSessions: new Gauge(`${p}mcp_sessions`, "Open MCP sessions.", ["server", "transport"]),
    kernelsAlive: new Gauge(`${p}kernels_alive`, "Jupyter kernels this process holds."),
    kernelRestarts: new Counter(`${p}kernel_restarts_total`, "Kernel restarts by reason.", [
      "reason",
    ]),
    kubeRequests: new Counter(
      `${p}kubernetes_requests_total`,
      'Kubernetes API requests by verb and HTTP status code ("error" when none).',
      ["verb", "code"],
    ),
    truncations: new Counter(`${p}output_truncations_total`, "Tool outputs cut to --max-output.", [
      "tool",
    ]),
    httpRequests: new Counter(`${p}http_requests_total`, "HTTP requests by route and status.", [
      "path",
      "status",
    ]),
  };
  metrics.kernelsAlive.set({}, 0);
  const all: Renderable[] = [...Object.values(metrics), buildInfo, started];
  return {
    ...metrics,
    startExecution(executor) {
      const t0 = now();
      metrics.executionsInFlight.inc({ executor });
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        metrics.executionsInFlight.dec({ executor });
        metrics.executionDuration.observe({ executor }, (now() - t0) / 1000);
      };
    },
    render() {
      const lines: string[] = [];
      for (const metric of all) metric.render(lines);
      return lines.join("\n") + "\n";
    },
  };
}

/** The routes of the README's endpoint table ("Any MCP client over HTTP"); any other path is `"other"`. */
export const HTTP_ROUTES: readonly string[] = [
  "/mcp",
  "/sse",
  "/messages",
  "/python/mcp",
  "/python/sse",
  "/python/messages",
  "/healthz",
  "/readyz",
  "/metrics",
];

/** The `path` label of a request path: a known route, else `"other"`. */
export function httpPathLabel(pathname: string): string {
  const path = pathname.replace(/\/+$/, "") || "/";
  return HTTP_ROUTES.includes(path) ? path : "other";
}

/** A status code label: a three-digit code, else `"error"` (no response). */
export function statusLabel(status: number | undefined): string {
  return status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599
    ? String(status)
    : "error";
}

const KUBE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** A Kubernetes verb label (`get`, `list`, …), else `"other"`. */
export function kubeVerbLabel(verb: string): string {
  const lower = verb.toLowerCase();
  return KUBE_VERBS.includes(lower) ? lower : "other";
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
