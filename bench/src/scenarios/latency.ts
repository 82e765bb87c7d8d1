/**
 * Latency under a fixed offered load: events published open-loop at each rate
 * (200 and 1,000/s by default) for a while after a warm-up, each delivered to
 * the receiver, which measures publish -> receipt on the bench's monotonic clock.
 * The publish API's own latency under that load is reported beside it. A rate
 * whose target is a p99 (1,000/s) is held `p99Runs` times in a row (3 by
 * default), and each of its figures is the median of the holds'.
 *
 * On PG + Redis the rows sit beside the Redis-only run's, and PostgreSQL's side
 * (its backends' CPU, WAL and rows written per event) goes into the details.
 */
import * as Postgres from "../Postgres.js"
import { cpuMeter, cpuMsPer, round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { commandStats, perDelivery, resetCommandStats } from "../Redis.js"
import { row, type Row, type Target } from "../Report.js"
import { median, summarize } from "../Stats.js"
import { backendLabel, type Context, figureKey, integrity, type ScenarioResult, stackPids, withHerald } from "./Context.js"

/** The issue's targets, by rate: p95 at 200/s, p99 at 1,000/s. */
const targets: Record<number, { readonly percentile: "p95" | "p99"; readonly target: Target }> = {
  200: { percentile: "p95", target: { op: "<=", value: 20 } },
  1_000: { percentile: "p99", target: { op: "<=", value: 50 } }
}

/** Holds of a rate: the rates with a p99 target are held `p99Runs` times (the issue judges p99s as the median of three runs). */
const holdsOf = (context: Context, rate: number): number => (targets[rate]?.percentile === "p99" ? context.config.p99Runs : 1)

export const run = (context: Context): Promise<ScenarioResult> =>
  withHerald(context, { worker: true }, async (stack) => {
    const { config, receiver } = context
    const load = publisher(stack.api.url, config.publishConnections)
    const rows: Array<Row> = []
    const details: Record<string, unknown> = {}
    let seq = 0

    /** One hold of `rate` for `latencySeconds`, measured from the receiver reset before it. */
    const hold = async (rate: number) => {
      await resetCommandStats(context.redis.client)
      const pgMeter = stack.database === undefined ? undefined : await Postgres.windowMeter(stack.database, context.postgres)
      const meter = cpuMeter({ ...stackPids(context, stack), bench: process.pid })
      const offered = await load.openLoop(rate, config.latencySeconds, seq)
      seq += offered.sent
      await receiver.waitFor(offered.sent - offered.errors, 300_000)
      const cpu = meter()
      const commands = perDelivery(await commandStats(context.redis.client), offered.sent)
      const stats = await receiver.stats()
      const pg = pgMeter === undefined ? undefined : await pgMeter(offered.sent)
      receiver.reset(stack.webhook.secret)
      const delivery = summarize(stats.latenciesMs)
      const publish = summarize(offered.latenciesMs)
      const achieved = (offered.latenciesMs.length * 1000) / (offered.finishedMs - offered.startedMs)
      return {
        delivery,
        publish,
        achieved,
        details: {
          seconds: config.latencySeconds,
          sent: offered.sent,
          publishErrors: offered.errors,
          answeredPerSecond: round(achieved),
          deliveryLatencyMs: delivery,
          publishLatencyMs: publish,
          benchSendLagMs: summarize(offered.lagMs),
          cpuCores: cpu.cores,
          cpuMsPerEvent: Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMsPer(cpu, name, offered.sent), 3)])),
          redisCallsPerDelivery: commands,
          ...(pg === undefined ? {} : { postgresPerEvent: pg }),
          receiver: integrity(stats)
        }
      }
    }

    try {
      for (const rate of config.rates) {
        const warmup = await load.openLoop(rate, config.warmupSeconds, seq)
        seq += warmup.sent
        await receiver.waitFor(warmup.sent - warmup.errors, 120_000)
        receiver.reset(stack.webhook.secret)

        const holds = holdsOf(context, rate)
        const measured: Array<Awaited<ReturnType<typeof hold>>> = []
        for (let index = 0; index < holds; index++) {
          context.log(`latency at ${rate} events/s for ${config.latencySeconds} s${holds === 1 ? "" : ` (${index + 1} of ${holds})`}`)
          const one = await hold(rate)
          measured.push(one)
          if (holds > 1) context.log(`  publish -> receipt p99 ${one.delivery.p99.toFixed(1)} ms, publish API p99 ${one.publish.p99.toFixed(1)} ms`)
        }
        // One hold: its figures. Several: each figure is the median of the holds' (the p99s listed in the notes).
        const of = (value: (one: (typeof measured)[number]) => number) => median(measured.map(value))
        const listed = (value: (one: (typeof measured)[number]) => number) =>
          holds === 1 ? {} : { note: `median of ${holds}: ${measured.map((one) => value(one).toFixed(1)).join(", ")}` }

        const scenario = `latency @ ${rate}/s${backendLabel(context)}`
        // Beside the Redis-only run's figure, on PG + Redis.
        const redisOnly = (key: string) => {
          const value = context.backend === "postgres" ? context.figures.get(key) : undefined
          return value === undefined ? {} : { baseline: { name: "Redis only", value } }
        }
        for (const percentile of ["p50", "p95", "p99"] as const) {
          const value = of((one) => one.delivery[percentile])
          context.figures.set(figureKey(context, `latency.${rate}.${percentile}`), value)
          const judged = targets[rate]
          rows.push(row({
            scenario,
            metric: `publish -> receipt ${percentile}`,
            unit: "ms",
            herald: value,
            ...redisOnly(`latency.${rate}.${percentile}`),
            ...(judged !== undefined && judged.percentile === percentile ? { target: judged.target } : {}),
            ...(percentile === "p99" ? listed((one) => one.delivery.p99) : {})
          }))
        }
        const publishP99 = of((one) => one.publish.p99)
        context.figures.set(figureKey(context, `latency.${rate}.publishP99`), publishP99)
        rows.push(row({
          scenario,
          metric: "publish API p99 (under delivery load)",
          unit: "ms",
          herald: publishP99,
          ...redisOnly(`latency.${rate}.publishP99`),
          ...listed((one) => one.publish.p99)
        }))
        // Below the offered rate, the API could not keep up: latencies then grow with the run's length, not a property of Herald at that rate.
        const achieved = Math.min(...measured.map((one) => one.achieved))
        rows.push(row({
          scenario,
          metric: `publishes answered (offered rate as baseline${holds === 1 ? "" : "; the lowest hold"})`,
          unit: "/s",
          herald: achieved,
          baseline: { name: "offered", value: rate },
          ...(achieved < rate * 0.95 ? { note: "saturated" } : {})
        }))
        details[String(rate)] = holds === 1
          ? measured[0]!.details
          : {
            holds,
            medianDeliveryP99Ms: of((one) => one.delivery.p99),
            medianPublishP99Ms: publishP99,
            deliveryP99sMs: measured.map((one) => one.delivery.p99),
            publishP99sMs: measured.map((one) => one.publish.p99),
            runs: measured.map((one) => one.details)
          }
      }
      return { rows, details }
    } finally {
      await load.close()
    }
  })
