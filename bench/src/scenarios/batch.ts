/**
 * Batch publishing (`POST /v1/events/batch`, `batchSize` events a request, 100
 * by default), closed loop over the same publisher connections, one
 * subscription:
 *
 * - end to end: `batchEvents` events published in batches and delivered by one
 *   worker; deliveries/s at the receiver over the middle 80% of receipts (as the
 *   single publishes' end-to-end run), CPU per event of each process;
 * - the batch API alone (no worker running: deliveries pile up in the queue):
 *   events accepted per second from the first request to the last answer, and
 *   the API's and Redis's CPU per event.
 *
 * Each event carries `sent_ms` as a single publish does, so the receiver
 * measures publish -> receipt for batches too (in the details). On PG + Redis
 * the same two runs are set beside the Redis-only figures, without targets.
 */
import { cpuMeter, cpuMsPer, round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { row } from "../Report.js"
import { summarize } from "../Stats.js"
import { backendLabel, type Context, figureKey, integrity, type ScenarioResult, sustainedRate, withHerald } from "./Context.js"
import { measure, WARMUP_EVENTS, warmUp } from "./EndToEnd.js"

const endToEnd = (context: Context) =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config } = context
    const load = publisher(stack.api.url, config.publishConnections)
    try {
      await warmUp(context, stack, load, config.batchSize)
      context.log(`batch end to end: ${config.batchEvents} events, ${config.batchSize} a request`)
      const { cpu, cpuMs, lastAt, published, stats } = await measure(context, stack, load, config.batchEvents, config.batchSize)
      if (published.errors > 0) throw new Error(`${published.errors} events not published: ${load.firstError() ?? ""}`)
      const sustained = sustainedRate(stats.receiptsMs)
      return {
        sustained,
        cpuMs,
        details: {
          events: config.batchEvents,
          batchSize: config.batchSize,
          connections: config.publishConnections,
          sustainedDeliveriesPerSecond: round(sustained),
          overallDeliveriesPerSecond: round((stats.count * 1000) / (lastAt - published.startedMs)),
          requestLatencyMs: summarize(published.latenciesMs),
          deliveryLatencyMs: summarize(stats.latenciesMs),
          cpuCores: cpu.cores,
          cpuMsPerEvent: Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMs(name), 4)])),
          receiver: integrity(stats)
        }
      }
    } finally {
      await load.close()
    }
  })

const apiAlone = (context: Context) =>
  withHerald(context, { worker: false }, async (stack) => {
    const { config } = context
    const load = publisher(stack.api.url, config.publishConnections)
    try {
      // Warm-up: JIT, connections, scripts (the events stay queued; no worker takes them).
      await load.closedLoop(WARMUP_EVENTS * 4, config.publishConnections, 0, config.batchSize)
      context.log(`batch API alone: ${config.batchEvents} events, ${config.batchSize} a request, no worker`)
      const pids = { api: stack.api.child.pid, redis: context.redis.pid, bench: process.pid }
      const meter = cpuMeter(pids)
      const published = await load.closedLoop(config.batchEvents, config.publishConnections, WARMUP_EVENTS * 4, config.batchSize)
      const cpu = meter()
      if (published.errors > 0) throw new Error(`${published.errors} events not published: ${load.firstError() ?? ""}`)
      const accepted = config.batchEvents - published.errors
      const eventsPerSecond = (accepted * 1000) / (published.finishedMs - published.startedMs)
      const cpuMsPerEvent = Object.fromEntries(Object.keys(pids).map((name) => [name, round(cpuMsPer(cpu, name, accepted), 4)]))
      return {
        eventsPerSecond,
        cpuMsPerEvent,
        details: {
          events: config.batchEvents,
          batchSize: config.batchSize,
          connections: config.publishConnections,
          acceptedEventsPerSecond: round(eventsPerSecond),
          requestLatencyMs: summarize(published.latenciesMs),
          cpuCores: cpu.cores,
          cpuMsPerEvent
        }
      }
    } finally {
      await load.close()
    }
  })

export const run = async (context: Context): Promise<ScenarioResult> => {
  const { config, figures } = context
  const e2e = await endToEnd(context)
  const api = await apiAlone(context)
  const scenario = `batch (${config.batchSize} a request)${backendLabel(context)}`
  const beside = (key: string, name: string) => {
    const value = figures.get(key)
    return value === undefined ? {} : { baseline: { name, value } }
  }
  const details = { endToEnd: e2e.details, apiAlone: api.details }
  if (context.backend === "postgres") {
    // Beside the Redis-only run's figures; the targets are judged on the Redis-only path.
    figures.set(figureKey(context, "herald.batchE2eDeliveriesPerSecond"), e2e.sustained)
    figures.set(figureKey(context, "batch.apiEventsPerSecond"), api.eventsPerSecond)
    return {
      rows: [
        row({ scenario, metric: "deliveries/s sustained (publish + deliver)", unit: "/s", herald: e2e.sustained, ...beside("herald.batchE2eDeliveriesPerSecond", "Redis only") }),
        row({ scenario, metric: "API CPU per event", unit: "ms", herald: e2e.cpuMs("api"), ...beside("batch.apiCpuMs", "Redis only") }),
        row({ scenario, metric: "worker CPU per delivery", unit: "ms", herald: e2e.cpuMs("worker"), ...beside("batch.workerCpuMs", "Redis only") }),
        row({ scenario, metric: "batch API alone (no worker): events/s accepted", unit: "/s", herald: api.eventsPerSecond, ...beside("batch.apiEventsPerSecond", "Redis only") })
      ],
      details
    }
  }
  figures.set("herald.batchE2eDeliveriesPerSecond", e2e.sustained)
  figures.set("batch.apiEventsPerSecond", api.eventsPerSecond)
  figures.set("batch.apiCpuMs", e2e.cpuMs("api"))
  figures.set("batch.workerCpuMs", e2e.cpuMs("worker"))
  return {
    rows: [
      row({
        scenario,
        metric: "deliveries/s sustained (publish + deliver)",
        unit: "/s",
        herald: e2e.sustained,
        ...beside("herald.e2eDeliveriesPerSecond", "single publishes"),
        target: { op: ">=", value: 3_000 }
      }),
      ...(figures.has("naivePipeline.deliveriesPerSecond")
        ? [row({
          scenario,
          metric: "deliveries/s sustained vs the naive pipeline (single publishes)",
          unit: "/s",
          herald: e2e.sustained,
          ...beside("naivePipeline.deliveriesPerSecond", "naive pipeline")
        })]
        : []),
      row({ scenario, metric: "API CPU per event", unit: "ms", herald: e2e.cpuMs("api"), ...beside("e2e.apiCpuMs", "single publishes") }),
      row({ scenario, metric: "worker CPU per delivery", unit: "ms", herald: e2e.cpuMs("worker"), ...beside("e2e.workerCpuMs", "single publishes") }),
      row({ scenario, metric: "Redis CPU per event (publish + delivery)", unit: "ms", herald: e2e.cpuMs("redis"), ...beside("e2e.redisCpuMs", "single publishes") }),
      row({ scenario, metric: "batch API alone (no worker): events/s accepted", unit: "/s", herald: api.eventsPerSecond, target: { op: ">=", value: 10_000 } }),
      row({ scenario, metric: "batch API alone: API CPU per event", unit: "ms", herald: api.cpuMsPerEvent["api"] ?? Number.NaN }),
      row({ scenario, metric: "batch API alone: Redis CPU per event", unit: "ms", herald: api.cpuMsPerEvent["redis"] ?? Number.NaN })
    ],
    details
  }
}
