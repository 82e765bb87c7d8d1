/**
 * The bench's knobs, from the environment. `BENCH_QUICK=1` scales every scenario
 * down so that a run takes well under a minute (for development); the defaults
 * are the full run, a few minutes. Every figure can be overridden on its own.
 */

export interface BenchConfig {
  readonly quick: boolean
  /** Events published in the end-to-end throughput run (1 subscription each). */
  readonly events: number
  /** Pairs of end-to-end runs, Herald and the naive pipeline alternately (naive first in the first pair). */
  readonly e2ePairs: number
  /** Events per request of the batch scenario (`POST /v1/events/batch`). */
  readonly batchSize: number
  /** Events of each batch run (end to end, and the batch API alone). */
  readonly batchEvents: number
  /** Runs of each p99 with a target (latency at 1,000 events/s, the publish API at `publishRate`): the median is reported. */
  readonly p99Runs: number
  /** Jobs in the no-op and naive worker baselines. */
  readonly baselineJobs: number
  /** Offered loads of the latency scenario, events/s. */
  readonly rates: ReadonlyArray<number>
  /** Seconds each offered load is held (after a warm-up). */
  readonly latencySeconds: number
  readonly warmupSeconds: number
  /** Seconds of each autocannon run (publish API and the 202 ceiling). */
  readonly publishSeconds: number
  /** The rate at which publish latency is judged (req/s). */
  readonly publishRate: number
  /** Subscriptions in the fan-out scenario. */
  readonly fanOut: number
  /** Deliveries pending in the memory scenario (a tenth of it is measured too, to see growth). */
  readonly backlog: number
  /** Deliveries in flight per worker process, for Herald and both baseline workers alike. */
  readonly concurrency: number
  /** HTTP connections the bench's publishers keep open to the API. */
  readonly publishConnections: number
  /** Events of each end-to-end run of the metrics scenario. */
  readonly metricsEvents: number
  /** Pairs of runs (metrics off and on) in the metrics scenario. */
  readonly metricsPairs: number
  /** Scenarios to run (all when empty): baselines, throughput, batch, latency, publish, fanout, memory, metrics. */
  readonly only: ReadonlySet<string>
  /** Run the Herald processes with `node --cpu-prof`, profiles into this directory. */
  readonly cpuProfileDir: string | undefined
  /** Where results.json and chart.svg are written. */
  readonly outDir: string
}

export const scenarioNames = ["baselines", "throughput", "batch", "latency", "publish", "fanout", "memory", "metrics"] as const
export type ScenarioName = (typeof scenarioNames)[number]

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`)
  return value
}

const intList = (name: string, fallback: ReadonlyArray<number>): ReadonlyArray<number> => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const values = raw.split(",").map((part) => Number(part.trim()))
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`)
  }
  return values
}

export const load = (defaultOutDir: string): BenchConfig => {
  const quick = process.env["BENCH_QUICK"] === "1" || process.env["BENCH_QUICK"] === "true"
  const only = new Set(
    (process.env["BENCH_ONLY"] ?? "").split(",").map((part) => part.trim()).filter((part) => part !== "")
  )
  for (const name of only) {
    if (!(scenarioNames as ReadonlyArray<string>).includes(name)) {
      throw new Error(`BENCH_ONLY: unknown scenario "${name}" (known: ${scenarioNames.join(", ")})`)
    }
  }
  const profile = process.env["BENCH_CPU_PROF"]
  return {
    quick,
    events: positiveInt("BENCH_EVENTS", quick ? 3_000 : 30_000),
    e2ePairs: positiveInt("BENCH_E2E_PAIRS", quick ? 1 : 3),
    batchSize: positiveInt("BENCH_BATCH_SIZE", 100),
    batchEvents: positiveInt("BENCH_BATCH_EVENTS", quick ? 6_000 : 60_000),
    p99Runs: positiveInt("BENCH_P99_RUNS", quick ? 1 : 3),
    baselineJobs: positiveInt("BENCH_BASELINE_JOBS", quick ? 5_000 : 50_000),
    rates: intList("BENCH_RATES", [200, 1_000]),
    latencySeconds: positiveInt("BENCH_LATENCY_SECONDS", quick ? 3 : 15),
    warmupSeconds: positiveInt("BENCH_WARMUP_SECONDS", quick ? 1 : 2),
    publishSeconds: positiveInt("BENCH_PUBLISH_SECONDS", quick ? 3 : 10),
    publishRate: positiveInt("BENCH_PUBLISH_RATE", 1_000),
    fanOut: positiveInt("BENCH_FANOUT", quick ? 1_000 : 10_000),
    backlog: positiveInt("BENCH_BACKLOG", quick ? 5_000 : 100_000),
    concurrency: positiveInt("BENCH_CONCURRENCY", 50),
    publishConnections: positiveInt("BENCH_PUBLISH_CONNECTIONS", 32),
    metricsEvents: positiveInt("BENCH_METRICS_EVENTS", quick ? 2_000 : 10_000),
    metricsPairs: positiveInt("BENCH_METRICS_PAIRS", quick ? 1 : 3),
    only,
    cpuProfileDir: profile === undefined || profile === "" ? undefined : profile,
    outDir: process.env["BENCH_OUT"] ?? defaultOutDir
  }
}

/** The memory scenario's smaller backlog, against which the full one is compared. */
export const smallBacklog = (backlog: number): number => Math.max(1_000, Math.round(backlog / 4))

export const runs = (config: BenchConfig, name: ScenarioName): boolean => config.only.size === 0 || config.only.has(name)
