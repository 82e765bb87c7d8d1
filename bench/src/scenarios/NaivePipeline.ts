/**
 * The naive pipeline (issue 20): what a user would write instead of Herald, end
 * to end. A Fastify endpoint (`child/naiveEndpoint.ts`) takes `POST /v1/events`,
 * reads the subscription from Redis and enqueues one BullMQ job per delivery
 * with the payload inside; a BullMQ worker (`child/queueWorker.ts`, mode
 * `naive`, at the bench's concurrency) signs each with HMAC-SHA256 and POSTs it
 * with fetch to the receiver, which checks the signature. Each in its own
 * process, on the bench's private Redis, loaded by the same publisher as
 * Herald's API and measured by the same code (`EndToEnd.measureWith`).
 */
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { EVENT_TYPE } from "../Herald.js"
import { round } from "../Proc.js"
import { type Child, spawnNode, waitForMessage } from "../Processes.js"
import { type FromCeiling, type FromQueueWorker, isMessage, naiveSubscriptionKey, type ToQueueWorker } from "../Protocol.js"
import { publisher } from "../Publisher.js"
import { summarize } from "../Stats.js"
import { type Context, flush, integrity, sustainedRate } from "./Context.js"
import { measureWith, WARMUP_EVENTS, warmUp } from "./EndToEnd.js"

const endpointScript = fileURLToPath(new URL("../child/naiveEndpoint.js", import.meta.url))
const workerScript = fileURLToPath(new URL("../child/queueWorker.js", import.meta.url))
const PREFIX = "bench"
const QUEUE = "naive-pipeline"

/** One run's figures: deliveries/s at the receiver (middle 80%), CPU ms per event of each process. */
export interface NaiveRun {
  readonly deliveriesPerSecond: number
  readonly cpuMsPerEvent: Readonly<Record<string, number>>
  /** Endpoint + worker + Redis, ms per event. */
  readonly totalCpuMs: number
  readonly details: Record<string, unknown>
}

/** Endpoint, worker and Redis: the processes a publish-to-delivery costs, as Herald's API, worker and Redis. */
export const pipelineProcesses = ["endpoint", "worker", "redis"] as const

/** One run of `events` events (after a warm-up) in fresh processes on an emptied Redis. */
export const runOnce = async (context: Context, events: number): Promise<NaiveRun> => {
  const { config, receiver, redis } = context
  await flush(context)
  const secret = `whsec_${createHash("sha256").update("naive-pipeline").digest("base64").slice(0, 32)}`
  await redis.client.hset(naiveSubscriptionKey(EVENT_TYPE), { url: receiver.url("naive-pipeline"), secret })
  let endpoint: Child | undefined
  let worker: Child | undefined
  try {
    endpoint = spawnNode({
      name: "naive-endpoint",
      script: endpointScript,
      env: { REDIS_URL: redis.url, NAIVE_QUEUE: QUEUE, NAIVE_PREFIX: PREFIX },
      logDir: context.logDir,
      ipc: true
    })
    worker = spawnNode({ name: "naive-pipeline-worker", script: workerScript, env: {}, logDir: context.logDir, ipc: true })
    const port = await waitForMessage(endpoint, (reply) => (isMessage<FromCeiling>("ready")(reply) ? reply.port : undefined), 30_000)
    await waitForMessage(worker, (reply) => (isMessage<FromQueueWorker>("ready")(reply) ? true : undefined), 30_000)
    const start: ToQueueWorker = {
      type: "run",
      mode: "naive",
      redisUrl: redis.url,
      prefix: PREFIX,
      queue: QUEUE,
      concurrency: config.concurrency,
      count: WARMUP_EVENTS + events
    }
    worker.process.send(start)
    receiver.reset(secret)
    const load = publisher(`http://127.0.0.1:${port}`, config.publishConnections)
    try {
      await warmUp(context, { secret }, load)
      const pids = { endpoint: endpoint.pid, worker: worker.pid, redis: redis.pid, receiver: receiver.child.pid }
      const { cpu, cpuMs, lastAt, published, stats } = await measureWith(context, pids, load, events)
      for (const child of [endpoint, worker]) {
        if (child.exited()) throw new Error(`${child.name} exited during the run (${child.exitStatus()}); its log: ${child.logFile}\n${child.tail(2_000)}`)
      }
      const sustained = sustainedRate(stats.receiptsMs)
      const cpuMsPerEvent = Object.fromEntries(Object.keys(cpu.cores).map((name) => [name, round(cpuMs(name), 4)]))
      return {
        deliveriesPerSecond: sustained,
        cpuMsPerEvent,
        totalCpuMs: pipelineProcesses.reduce((total, name) => total + cpuMs(name), 0),
        details: {
          events,
          sustainedDeliveriesPerSecond: round(sustained),
          overallDeliveriesPerSecond: round((stats.count * 1000) / (lastAt - published.startedMs)),
          publishErrors: published.errors,
          firstPublishError: load.firstError() ?? null,
          publishLatencyMs: summarize(published.latenciesMs),
          deliveryLatencyMs: summarize(stats.latenciesMs),
          cpuCores: cpu.cores,
          cpuMsPerEvent,
          // Skewed timestamps are not errors here: the endpoint dates the envelope when it enqueues it, and the
          // worker delivers it later, more than 2 s later once the endpoint has got ahead of the worker.
          receiver: integrity(stats)
        }
      }
    } finally {
      await load.close()
    }
  } finally {
    if (worker?.process.connected === true) worker.process.send({ type: "stop" })
    await Promise.all([endpoint?.stop(5_000), worker?.stop(10_000)])
  }
}
