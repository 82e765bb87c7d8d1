/**
 * The publish API on its own (no worker running: deliveries pile up in the
 * queue), loaded with autocannon, beside the publish ceiling (a bare node:http
 * server answering 202, `child/ceiling.ts`) loaded identically:
 *
 * - the most requests/s it answers (closed loop, `publishConnections` connections);
 * - latency at a fixed `publishRate` (autocannon's `overallRate`, with its
 *   coordinated-omission correction).
 */
import { fileURLToPath } from "node:url"
import autocannon from "autocannon"
import { API_KEY } from "../Herald.js"
import { cpuMeter, round } from "../Proc.js"
import { spawnNode, waitForMessage } from "../Processes.js"
import { type FromCeiling, isMessage } from "../Protocol.js"
import { eventBody } from "../Publisher.js"
import { row } from "../Report.js"
import { type Context, type ScenarioResult, withHerald } from "./Context.js"

const ceilingScript = fileURLToPath(new URL("../child/ceiling.js", import.meta.url))

interface Measured {
  readonly requestsPerSecond: number
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number }
  readonly non2xx: number
  readonly errors: number
}

const measure = async (url: string, seconds: number, connections: number, overallRate?: number): Promise<Measured> => {
  const result = await autocannon({
    url: `${url}/v1/events`,
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    // One body for every request: no id, so each is a new event with one delivery.
    body: eventBody(0, 0),
    connections,
    duration: seconds,
    ...(overallRate === undefined ? {} : { overallRate })
  })
  const ok = result["2xx"]
  return {
    requestsPerSecond: ok / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors
  }
}

const both = async (url: string, context: Context, pids: Record<string, number>) => {
  const { config } = context
  // Warm-up: JIT and connections.
  await measure(url, 1, config.publishConnections)
  const maxMeter = cpuMeter(pids)
  const max = await measure(url, config.publishSeconds, config.publishConnections)
  const maxCpu = maxMeter()
  const rateMeter = cpuMeter(pids)
  const atRate = await measure(url, config.publishSeconds, config.publishConnections, config.publishRate)
  const rateCpu = rateMeter()
  return { max: { ...max, cpuCores: maxCpu.cores }, atRate: { ...atRate, cpuCores: rateCpu.cores } }
}

export const run = async (context: Context): Promise<ScenarioResult> => {
  const { config } = context
  context.log(`publish API: autocannon, ${config.publishSeconds} s max and ${config.publishSeconds} s at ${config.publishRate} req/s`)
  const herald = await withHerald(context, { worker: false }, (stack) =>
    both(stack.api.url, context, { api: stack.api.child.pid, redis: context.redis.pid, bench: process.pid }))

  context.log("publish ceiling: node:http answering 202")
  const child = spawnNode({ name: "ceiling", script: ceilingScript, env: {}, logDir: context.logDir, ipc: true })
  let ceiling: Awaited<ReturnType<typeof both>>
  try {
    const port = await waitForMessage(
      child,
      (reply) => (isMessage<FromCeiling>("ready")(reply) ? reply.port : undefined),
      30_000
    )
    ceiling = await both(`http://127.0.0.1:${port}`, context, { ceiling: child.pid, bench: process.pid })
  } finally {
    await child.stop()
  }

  context.figures.set("publish.herald.max", herald.max.requestsPerSecond)
  context.figures.set("publish.ceiling.max", ceiling.max.requestsPerSecond)
  context.figures.set("publish.herald.p50", herald.atRate.latencyMs.p50)
  context.figures.set("publish.herald.p99", herald.atRate.latencyMs.p99)
  context.figures.set("publish.ceiling.p99", ceiling.atRate.latencyMs.p99)
  return {
    rows: [
      row({
        scenario: "publish API",
        metric: "max throughput",
        unit: "req/s",
        herald: herald.max.requestsPerSecond,
        baseline: { name: "node:http 202", value: ceiling.max.requestsPerSecond }
      }),
      row({
        scenario: "publish API",
        metric: `p50 at ${config.publishRate} req/s`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p50,
        baseline: { name: "node:http 202", value: ceiling.atRate.latencyMs.p50 }
      }),
      row({
        scenario: "publish API",
        metric: `p99 at ${config.publishRate} req/s`,
        unit: "ms",
        herald: herald.atRate.latencyMs.p99,
        baseline: { name: "node:http 202", value: ceiling.atRate.latencyMs.p99 },
        target: { op: "<=", value: 10 }
      })
    ],
    details: {
      seconds: config.publishSeconds,
      connections: config.publishConnections,
      rate: config.publishRate,
      herald: roundAll(herald),
      ceiling: roundAll(ceiling)
    }
  }
}

const roundAll = (value: unknown): unknown =>
  typeof value === "number"
    ? round(value, 2)
    : typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, roundAll(inner)]))
    : value
