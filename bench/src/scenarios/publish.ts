/**
 * The publish API on its own (no worker running: deliveries pile up in the
 * queue), beside three servers loaded identically: the publish ceiling (a bare
 * node:http server answering 202, `child/ceiling.ts`), the framework's ceiling
 * (the route on HttpApi doing nothing, `child/frameworkCeiling.ts`) and the core
 * ceiling (Herald's publish work without HttpApi, `child/coreCeiling.ts`):
 *
 * - the most requests/s it answers: autocannon, closed loop, `publishConnections`
 *   connections, one body for every request;
 * - latency at a fixed `publishRate`: the bench's open-loop publisher (sends on
 *   schedule whatever the answers do, so slow answers are not hidden by
 *   coordinated omission; microsecond timing, where autocannon rounds to 1 ms).
 *   Herald's API is held there `p99Runs` times (3 by default) and judged on the
 *   run with the median p99; the ceilings once each.
 */
import { fileURLToPath } from "node:url"
import autocannon from "autocannon"
import { API_KEY } from "../Herald.js"
import { cpuMeter, cpuMsPer, round } from "../Proc.js"
import { spawnNode, waitForMessage } from "../Processes.js"
import { type FromCeiling, isMessage } from "../Protocol.js"
import { eventBody, publisher } from "../Publisher.js"
import { row } from "../Report.js"
import { summarize } from "../Stats.js"
import { type Context, flush, type ScenarioResult, withHerald } from "./Context.js"

const ceilingScript = fileURLToPath(new URL("../child/ceiling.js", import.meta.url))
const frameworkCeilingScript = fileURLToPath(new URL("../child/frameworkCeiling.js", import.meta.url))
const coreCeilingScript = fileURLToPath(new URL("../child/coreCeiling.js", import.meta.url))

const maxThroughput = async (url: string, seconds: number, connections: number) => {
  const result = await autocannon({
    url: `${url}/v1/events`,
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    // No id: each request is a new event with one delivery.
    body: eventBody(0, 0),
    connections,
    duration: seconds
  })
  return {
    answered: result["2xx"],
    requestsPerSecond: result["2xx"] / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors
  }
}

/** CPU milliseconds each process spent per request over a `cpuMeter` window. */
const cpuMsPerRequest = (
  window: ReturnType<ReturnType<typeof cpuMeter>>,
  pids: Record<string, number>,
  requests: number
): Record<string, number> =>
  Object.fromEntries(Object.keys(pids).map((name) => [name, round(cpuMsPer(window, name, requests), 3)]))

/**
 * The most requests/s (autocannon), then `atRateRuns` open-loop runs at `publishRate`: the answer's
 * `atRate` is the run with the median p99 (the lower middle one for an even count), `atRateP99sMs` every
 * run's p99.
 */
const measure = async (url: string, context: Context, pids: Record<string, number>, atRateRuns = 1) => {
  const { config } = context
  // Warm-up: JIT and connections.
  await maxThroughput(url, 1, config.publishConnections)
  const maxMeter = cpuMeter(pids)
  const max = await maxThroughput(url, config.publishSeconds, config.publishConnections)
  const maxCpu = maxMeter()

  const load = publisher(url, config.publishConnections)
  try {
    const runs = []
    for (let index = 0; index < atRateRuns; index++) {
      const rateMeter = cpuMeter(pids)
      const atRate = await load.openLoop(config.publishRate, config.publishSeconds)
      const rateCpu = rateMeter()
      runs.push({
        sent: atRate.sent,
        errors: atRate.errors,
        firstError: load.firstError() ?? null,
        latencyMs: summarize(atRate.latenciesMs),
        benchSendLagMs: summarize(atRate.lagMs),
        cpuCores: rateCpu.cores,
        cpuMsPerRequest: cpuMsPerRequest(rateCpu, pids, atRate.sent)
      })
      if (atRateRuns > 1) context.log(`  p99 at ${config.publishRate} req/s (${index + 1} of ${atRateRuns}): ${runs[index]!.latencyMs.p99.toFixed(1)} ms`)
    }
    const byP99 = [...runs].sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99)
    return {
      max: {
        ...max,
        requestsPerSecond: round(max.requestsPerSecond),
        cpuCores: maxCpu.cores,
        cpuMsPerRequest: cpuMsPerRequest(maxCpu, pids, max.answered)
      },
      atRate: byP99[Math.ceil(byP99.length / 2) - 1]!,
      atRateP99sMs: runs.map((run) => run.latencyMs.p99),
      ...(runs.length > 1 ? { atRateRuns: runs } : {})
    }
  } finally {
    await load.close()
  }
}

/** Loads a ceiling server (a child that reports its port), exactly as Herald's API is loaded. */
const measureChild = async (context: Context, name: string, script: string, env: Record<string, string> = {}) => {
  const child = spawnNode({ name, script, env, logDir: context.logDir, ipc: true })
  try {
    const port = await waitForMessage(
      child,
      (reply) => (isMessage<FromCeiling>("ready")(reply) ? reply.port : undefined),
      30_000
    )
    return await measure(`http://127.0.0.1:${port}`, context, { [name]: child.pid, bench: process.pid })
  } finally {
    await child.stop()
  }
}

export const run = async (context: Context): Promise<ScenarioResult> => {
  const { config } = context
  context.log(`publish API: ${config.publishSeconds} s at full speed (autocannon), ${config.publishSeconds} s at ${config.publishRate} req/s`)
  const herald = await withHerald(context, { worker: false }, (stack) =>
    measure(stack.api.url, context, { api: stack.api.child.pid, redis: context.redis.pid, bench: process.pid }, config.p99Runs))

  context.log("publish ceiling: node:http answering 202")
  const ceiling = await measureChild(context, "ceiling", ceilingScript)
  context.log("framework ceiling: the publish route on HttpApi, doing nothing")
  const framework = await measureChild(context, "framework-ceiling", frameworkCeilingScript)
  context.log("core ceiling: Herald's publish work on node:http, without HttpApi")
  // From an empty Redis, as Herald's API was measured: the child stores its own key and subscription.
  await flush(context)
  const core = await measureChild(context, "core-ceiling", coreCeilingScript, {
    REDIS_URL: context.redis.url,
    HERALD_ALLOW_PRIVATE_URLS: "true"
  })

  context.figures.set("publish.herald.max", herald.max.requestsPerSecond)
  context.figures.set("publish.ceiling.max", ceiling.max.requestsPerSecond)
  context.figures.set("publish.herald.p50", herald.atRate.latencyMs.p50)
  context.figures.set("publish.herald.p99", herald.atRate.latencyMs.p99)
  context.figures.set("publish.ceiling.p99", ceiling.atRate.latencyMs.p99)
  context.figures.set("publish.framework.max", framework.max.requestsPerSecond)
  context.figures.set("publish.core.max", core.max.requestsPerSecond)
  const ceilingName = "node:http 202"
  const frameworkName = "HttpApi, no work"
  const coreName = "Herald's work, no HttpApi"
  return {
    rows: [
      row({
        scenario: "publish API",
        metric: "max throughput",
        unit: "req/s",
        herald: herald.max.requestsPerSecond,
        baseline: { name: ceilingName, value: ceiling.max.requestsPerSecond }
      }),
      row({
        scenario: "publish API",
        metric: "max throughput vs the framework's ceiling",
        unit: "req/s",
        herald: herald.max.requestsPerSecond,
        baseline: { name: frameworkName, value: framework.max.requestsPerSecond }
      }),
      row({
        scenario: "publish API",
        metric: "max throughput vs Herald's work alone",
        unit: "req/s",
        herald: herald.max.requestsPerSecond,
        baseline: { name: coreName, value: core.max.requestsPerSecond }
      }),
      row({
        scenario: "publish API",
        metric: "CPU per publish at full speed vs Herald's work alone",
        unit: "ms",
        herald: herald.max.cpuMsPerRequest["api"] ?? Number.NaN,
        baseline: { name: coreName, value: core.max.cpuMsPerRequest["core-ceiling"] ?? Number.NaN }
      }),
      row({
        scenario: "publish API",
        metric: `CPU per publish at ${config.publishRate} req/s vs Herald's work alone`,
        unit: "ms",
        herald: herald.atRate.cpuMsPerRequest["api"] ?? Number.NaN,
        baseline: { name: coreName, value: core.atRate.cpuMsPerRequest["core-ceiling"] ?? Number.NaN }
      }),
      row({
        scenario: "publish API",
        metric: `p50 at ${config.publishRate} req/s`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p50,
        baseline: { name: ceilingName, value: ceiling.atRate.latencyMs.p50 }
      }),
      row({
        scenario: "publish API",
        metric: `p99 at ${config.publishRate} req/s${config.p99Runs === 1 ? "" : ` (median of ${config.p99Runs} runs; baselines one run)`}`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p99,
        baseline: { name: ceilingName, value: ceiling.atRate.latencyMs.p99 },
        target: { op: "<=", value: 10 },
        ...(config.p99Runs === 1 ? {} : { note: `runs: ${herald.atRateP99sMs.map((p99) => p99.toFixed(1)).join(", ")}` })
      }),
      row({
        scenario: "publish API",
        metric: `p99 at ${config.publishRate} req/s vs the framework's ceiling`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p99,
        baseline: { name: frameworkName, value: framework.atRate.latencyMs.p99 }
      }),
      row({
        scenario: "publish API",
        metric: `p99 at ${config.publishRate} req/s vs Herald's work alone`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p99,
        baseline: { name: coreName, value: core.atRate.latencyMs.p99 }
      })
    ],
    details: {
      seconds: config.publishSeconds,
      connections: config.publishConnections,
      rate: config.publishRate,
      herald,
      ceiling,
      framework,
      core
    }
  }
}
