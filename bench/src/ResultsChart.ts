/**
 * The run's chart: which figures go into which panel (see `Chart` for drawing).
 * A scenario that did not run leaves its panel out.
 */
import type { ChartSpec, Panel } from "./Chart.js"
import { smallBacklog } from "./Config.js"

export const spec = (figures: ReadonlyMap<string, number>, config: {
    readonly rates: ReadonlyArray<number>
    readonly fanOut: number
    readonly backlog: number
    readonly publishRate: number
    readonly p99Runs?: number
  }, subtitle: string): ChartSpec => {
  const get = (key: string) => figures.get(key)
  const bars = (entries: ReadonlyArray<readonly [string, string, boolean]>) =>
    entries.flatMap(([label, key, herald]) => {
      const value = get(key)
      return value === undefined ? [] : [{ label, value, herald }]
    })
  const panel = (fields: Omit<Panel, "bars">, entries: ReadonlyArray<readonly [string, string, boolean]>): Array<Panel> => {
    const made = bars(entries)
    return made.length === 0 ? [] : [{ ...fields, bars: made }]
  }
  return {
    title: "Herald benchmarks: Redis + BullMQ (and PostgreSQL + Redis), one API and one worker process",
    subtitle,
    panels: [
      ...panel({ title: "End to end (publish + deliver), deliveries per second", unit: "higher is better", target: { value: 3_000, label: "batch target 3,000/s" } }, [
        ["Herald, single publishes", "herald.e2eDeliveriesPerSecond", true],
        ["Herald, batches of 100", "herald.batchE2eDeliveriesPerSecond", true],
        ["Herald, single publishes, PG + Redis", "pg.herald.e2eDeliveriesPerSecond", true],
        ["Herald, batches of 100, PG + Redis", "pg.herald.batchE2eDeliveriesPerSecond", true],
        ["naive pipeline (Fastify + BullMQ + fetch)", "naivePipeline.deliveriesPerSecond", false]
      ]),
      ...panel({ title: "End to end, CPU per event (single publishes)", unit: "ms, lower is better" }, [
        ["Herald: API + worker + Redis", "e2e.totalCpuMs", true],
        ["Herald's API", "e2e.apiCpuMs", true],
        ["Herald's worker", "e2e.workerCpuMs", true],
        ["Redis (Herald)", "e2e.redisCpuMs", true],
        ["naive: endpoint + worker + Redis", "naivePipeline.totalCpuMs", false],
        ["naive Fastify endpoint", "naivePipeline.endpointCpuMs", false],
        ["naive worker", "naivePipeline.workerCpuMs", false],
        ["Redis (naive pipeline)", "naivePipeline.redisCpuMs", false]
      ]),
      ...panel({ title: "Draining a queue filled beforehand (no publishing), per second", unit: "higher is better" }, [
        ["Herald draining a filled queue", "herald.drainDeliveriesPerSecond", true],
        ["Herald draining on PG + Redis", "pg.herald.drainDeliveriesPerSecond", true],
        ["naive worker (fetch + HMAC)", "naive.deliveriesPerSecond", false],
        ["no-op BullMQ worker (jobs/s)", "noop.jobsPerSecond", false]
      ]),
      ...panel({ title: "Events accepted by the API alone (no worker), per second", unit: "higher is better", target: { value: 10_000, label: "batch target 10,000/s" } }, [
        ["Herald POST /v1/events/batch (100 a request)", "batch.apiEventsPerSecond", true],
        ["the same on PG + Redis", "pg.batch.apiEventsPerSecond", true],
        ["Herald POST /v1/events (max, autocannon)", "publish.herald.max", true]
      ]),
      ...panel({ title: "Publish API, max throughput", unit: "req/s, higher is better" }, [
        ["Herald POST /v1/events", "publish.herald.max", true],
        ["node:http answering 202", "publish.ceiling.max", false]
      ]),
      ...panel({ title: `Publish API latency at ${config.publishRate} req/s`, unit: "ms, lower is better", target: { value: 10, label: "p99 target 10 ms" } }, [
        ["Herald p50", "publish.herald.p50", true],
        [`Herald p99${(config.p99Runs ?? 1) > 1 ? ` (median of ${config.p99Runs} runs)` : ""}`, "publish.herald.p99", true],
        ["node:http 202 p99", "publish.ceiling.p99", false]
      ]),
      ...config.rates.flatMap((rate) =>
        panel(
          {
            title: `Publish -> receipt latency at ${rate} events/s`,
            unit: "ms, lower is better",
            ...(rate === 200 ? { target: { value: 20, label: "p95 target 20 ms" } } : {}),
            ...(rate === 1_000 ? { target: { value: 50, label: "p99 target 50 ms" } } : {})
          },
          [
            ["p50", `latency.${rate}.p50`, true],
            ["p95", `latency.${rate}.p95`, true],
            [rate === 1_000 && (config.p99Runs ?? 1) > 1 ? `p99 (median of ${config.p99Runs} holds)` : "p99", `latency.${rate}.p99`, true],
            ["PG + Redis p50", `pg.latency.${rate}.p50`, true],
            ["PG + Redis p95", `pg.latency.${rate}.p95`, true],
            ["PG + Redis p99", `pg.latency.${rate}.p99`, true]
          ]
        )
      ),
      ...panel({ title: `Fan-out of one event to ${config.fanOut.toLocaleString("en-US")} subscriptions`, unit: "s, lower is better", target: { value: 1, label: "enqueued target 1 s" } }, [
        ["all enqueued", "fanout.enqueuedSeconds", true],
        ["all delivered", "fanout.deliveredSeconds", true]
      ]),
      ...panel({ title: `Redis per pending delivery (${config.backlog.toLocaleString("en-US")} backlog)`, unit: "bytes, lower is better", target: { value: 512, label: "target 512 B" } }, [
        ["Herald, total", "memory.bytesTotal", true],
        ["Herald, beyond the once-stored payload", "memory.bytesBeyondPayload", true],
        ["Herald, held until delivered", "memory.bytesReleased", true],
        ["naive job (payload in the job)", "naive.bytesPerPendingDelivery", false]
      ]),
      ...panel({ title: "Worker RSS while draining, settled (median of the second half)", unit: "MB" }, [
        [`${smallBacklog(config.backlog).toLocaleString("en-US")} backlog`, "memory.rssSmall", true],
        [`${config.backlog.toLocaleString("en-US")} backlog`, "memory.rssLarge", true]
      ])
    ]
  }
}
