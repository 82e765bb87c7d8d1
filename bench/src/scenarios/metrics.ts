/**
 * What recording metrics costs: API CPU per publish and worker CPU per delivery,
 * end to end as the throughput scenario measures them, with `HERALD_METRICS=false`
 * and with metrics on (the default), in the same run on the same machine.
 *
 * Single runs here move by 10-20% (see BENCHMARKS.md), far more than the 5% the
 * cost must stay under, so the two settings alternate in pairs whose order flips
 * from one pair to the next (off-on, on-off, off-on, ...): a machine getting
 * slower or faster over the scenario falls on both sides alike; a first run, with
 * metrics on, is not counted (the first run tended to read high). Each run starts
 * its own API and worker processes on an emptied Redis (and a database of its own
 * on PG + Redis). The row's figures are the medians of each setting's runs, its
 * ratio the median of the pairs' on/off ratios (for an even number of pairs, the
 * lower of the two middle ones), and the note gives every pair's ratio, the spread.
 *
 * After each run (outside the CPU window) both processes are asked for
 * `GET /metrics`, to be sure the setting took: with metrics on, the API counted
 * the events it stored and the worker the attempts it made; with them off, both
 * answer 404.
 */
import { round } from "../Proc.js"
import { publisher } from "../Publisher.js"
import { row } from "../Report.js"
import { summarize } from "../Stats.js"
import { backendLabel, type Context, integrity, type ScenarioResult, type Stack, sustainedRate, withHerald } from "./Context.js"
import { measure, WARMUP_EVENTS, warmUp } from "./EndToEnd.js"

/** The ratio on/off must stay under this. */
const MAX_RATIO = 1.05

interface Run {
  readonly metrics: boolean
  readonly apiCpuMs: number
  readonly workerCpuMs: number
  readonly redisCpuMs: number
  readonly deliveriesPerSecond: number
  readonly scraped: Scraped
}

/** What `GET /metrics` said after a run: the count of one family, or the status when it was not served. */
interface Scraped {
  readonly apiEventsPublished: number | string
  readonly workerAttempts: number | string
}

/** The settings in run order: pairs, every other one reversed. */
const schedule = (pairs: number): ReadonlyArray<boolean> =>
  Array.from({ length: pairs }, (_, pair) => (pair % 2 === 0 ? [false, true] : [true, false])).flat()

export const run = async (context: Context): Promise<ScenarioResult> => {
  const { config } = context
  const settings = schedule(config.metricsPairs)
  // The scenario's first run was the highest or second highest of its runs in three of the first
  // four full runs (0.66-0.74 ms per publish), which favours the setting of the first pair's second
  // run: one run first, not counted.
  const discarded = await once(context, true)
  context.log(`metrics on, a first run not counted: API ${discarded.apiCpuMs.toFixed(3)} ms per publish, worker ${discarded.workerCpuMs.toFixed(3)} ms per delivery`)
  const runs: Array<Run> = []
  for (const [index, metrics] of settings.entries()) {
    const measured = await once(context, metrics)
    runs.push(measured)
    context.log(
      `metrics ${metrics ? "on " : "off"} (${index + 1} of ${settings.length}): API ${measured.apiCpuMs.toFixed(3)} ms per publish, worker ${
        measured.workerCpuMs.toFixed(3)
      } ms per delivery, ${Math.round(measured.deliveriesPerSecond)} deliveries/s`
    )
  }

  const scenario = `metrics on vs off${backendLabel(context)}`
  const figure = (name: "apiCpuMs" | "workerCpuMs", metrics: boolean) =>
    summarize(runs.filter((run) => run.metrics === metrics).map((run) => run[name])).p50
  const pairRatios = (name: "apiCpuMs" | "workerCpuMs") =>
    Array.from({ length: config.metricsPairs }, (_, pair) => {
      const [first, second] = [runs[pair * 2]!, runs[pair * 2 + 1]!]
      const [on, off] = first.metrics ? [first, second] : [second, first]
      return on[name] / off[name]
    })
  // The ratio is the median of the pairs' ratios, not the ratio of the medians: the two runs of a
  // pair are minutes apart, so a machine getting faster or slower over the scenario moves both.
  const rowFor = (metric: string, name: "apiCpuMs" | "workerCpuMs") => {
    const ratios = pairRatios(name)
    return row({
      scenario,
      metric,
      unit: "ms",
      herald: figure(name, true),
      baseline: { name: "metrics off", value: figure(name, false) },
      ratio: summarize(ratios).p50,
      target: { op: "<", value: MAX_RATIO, onRatio: true },
      note: `on/off by pair: ${ratios.map((ratio) => ratio.toFixed(3)).join(", ")}`
    })
  }
  const rows = [
    rowFor("API CPU per publish (medians; ratio: median of pairs)", "apiCpuMs"),
    rowFor("worker CPU per delivery (medians; ratio: median of pairs)", "workerCpuMs")
  ]
  return {
    rows,
    details: {
      eventsPerRun: config.metricsEvents,
      pairs: config.metricsPairs,
      discardedFirstRun: discarded,
      runs,
      ratioByPair: { api: pairRatios("apiCpuMs").map((ratio) => round(ratio, 4)), worker: pairRatios("workerCpuMs").map((ratio) => round(ratio, 4)) }
    }
  }
}

/** One end-to-end run with metrics on or off, in processes of its own. */
const once = (context: Context, metrics: boolean): Promise<Run> =>
  withHerald(context, { worker: true, metrics }, async (stack) => {
    const load = publisher(stack.api.url, context.config.publishConnections)
    try {
      await warmUp(context, stack, load)
      const { cpuMs, published, stats } = await measure(context, stack, load, context.config.metricsEvents)
      const checked = integrity(stats)
      if (published.errors > 0 || checked.duplicates + checked.badSignatures + checked.malformed > 0) {
        throw new Error(`metrics ${metrics ? "on" : "off"}: ${published.errors} publish errors (${load.firstError() ?? ""}), receiver ${JSON.stringify(checked)}`)
      }
      const expected = metrics ? WARMUP_EVENTS + context.config.metricsEvents : 404
      const took = (scraped: Scraped) =>
        scraped.apiEventsPublished === expected && (metrics ? Number(scraped.workerAttempts) >= expected : scraped.workerAttempts === 404)
      // The worker counts an attempt once its answer is handled, which may be just after the receiver has
      // counted the delivery: on a busy machine the last attempts show up a moment later, so ask again for a while.
      let scraped = await scrape(stack)
      for (let tries = 0; !took(scraped) && tries < 20; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        scraped = await scrape(stack)
      }
      if (!took(scraped)) {
        throw new Error(`HERALD_METRICS=${metrics} did not take: GET /metrics said ${JSON.stringify(scraped)}`)
      }
      return {
        metrics,
        apiCpuMs: round(cpuMs("api"), 4),
        workerCpuMs: round(cpuMs("worker"), 4),
        redisCpuMs: round(cpuMs("redis"), 4),
        deliveriesPerSecond: round(sustainedRate(stats.receiptsMs)),
        scraped
      }
    } finally {
      await load.close()
    }
  })

/** The API's events published and the worker's attempts, from their `GET /metrics`; the HTTP status where it is not 200. */
const scrape = async (stack: Stack): Promise<Scraped> => {
  const worker = stack.worker
  // The worker serves /metrics on its operations port (HERALD_METRICS_PORT=0: a free one), which it logs.
  const address = worker === undefined ? undefined : /listening on (http:\/\/[\w.[\]-]+:\d+)/i.exec(worker.output())?.[1]
  if (address === undefined) throw new Error(`the worker logged no operations address: ${worker?.tail() ?? "no worker"}`)
  return {
    apiEventsPublished: await family(`${stack.api.url}/metrics`, "herald_events_published_total"),
    workerAttempts: await family(`${address}/metrics`, "herald_delivery_attempts_total")
  }
}

/** The sum of a family's series in a Prometheus text answer, or the answer's status when it is not 200. */
const family = async (url: string, name: string): Promise<number | string> => {
  const response = await fetch(url)
  const text = await response.text()
  if (response.status !== 200) return response.status
  let total = 0
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(" ") + 1))
  }
  return total
}
