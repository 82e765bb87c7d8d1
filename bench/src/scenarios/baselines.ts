/**
 * Baselines 1 and 2: a no-op BullMQ worker, and the naive webhook worker a user
 * would write instead of Herald (see `child/queueWorker.ts`). Each drains a
 * queue filled beforehand with `addBulk`, in its own process, at Herald's
 * concurrency. (The third baseline, the node:http 202 server, is in `publish`.)
 */
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Queue } from "bullmq"
import { nowMs } from "../Clock.js"
import { cpuMeter, cpuMsPer, round } from "../Proc.js"
import { request, spawnNode, waitForMessage } from "../Processes.js"
import { type FromQueueWorker, isMessage, type NaiveJob } from "../Protocol.js"
import { envelopeBody } from "../Publisher.js"
import { commandStats, perDelivery, resetCommandStats, usedMemory } from "../Redis.js"
import { row } from "../Report.js"
import { type Context, drainRate, flush, integrity, type ScenarioResult } from "./Context.js"

const script = fileURLToPath(new URL("../child/queueWorker.js", import.meta.url))
const PREFIX = "bench"
const CHUNK = 1_000

/** Fills `queue` with `count` jobs, `CHUNK` per `addBulk`, as a producer batching its writes would. */
const fill = async <T>(context: Context, name: string, count: number, data: (i: number) => T) => {
  const queue = new Queue(name, { connection: { host: "127.0.0.1", port: context.redis.port }, prefix: PREFIX })
  try {
    for (let from = 0; from < count; from += CHUNK) {
      const jobs = Array.from({ length: Math.min(CHUNK, count - from) }, (_, i) => ({
        name: "job",
        data: data(from + i),
        // What a sensible user sets: do not keep finished jobs, retry a failed delivery.
        opts: { removeOnComplete: true, removeOnFail: true, attempts: 8, backoff: { type: "exponential", delay: 1_000 } }
      }))
      await queue.addBulk(jobs)
    }
  } finally {
    await queue.close()
  }
}

const runWorker = async (context: Context, mode: "noop" | "naive", count: number) => {
  const child = spawnNode({ name: `baseline-${mode}`, script, env: {}, logDir: context.logDir, ipc: true })
  try {
    await waitForMessage(child, (reply) => (isMessage<FromQueueWorker>("ready")(reply) ? true : undefined), 30_000)
    const meter = cpuMeter({ worker: child.pid, redis: context.redis.pid, receiver: context.receiver.child.pid })
    const done = await request(
      child,
      { type: "run", mode, redisUrl: context.redis.url, prefix: PREFIX, queue: mode, concurrency: context.config.concurrency, count },
      (reply) => (isMessage<Extract<FromQueueWorker, { type: "done" }>>("done")(reply) ? reply : undefined)
    )
    return { done, cpu: meter() }
  } finally {
    child.process.send({ type: "stop" })
    await child.stop(10_000)
  }
}

export const run = async (context: Context): Promise<ScenarioResult> => {
  const count = context.config.baselineJobs

  // No-op: how fast BullMQ alone hands out and settles jobs.
  await flush(context)
  context.log(`no-op BullMQ worker: ${count} jobs`)
  await fill(context, "noop", count, (i) => ({ i }))
  const noop = await runWorker(context, "noop", count)
  const noopRate = ((count - 1) * 1000) / (noop.done.finishedMs - noop.done.firstMs)

  // Naive: a job per delivery carrying the payload, signed and POSTed with fetch.
  await flush(context)
  context.log(`naive webhook worker: ${count} deliveries`)
  const secret = `whsec_${createHash("sha256").update("bench").digest("base64").slice(0, 32)}`
  const url = context.receiver.url("naive")
  const sentMs = nowMs()
  const before = await usedMemory(context.redis.client)
  await fill<NaiveJob>(context, "naive", count, (i) => ({ url, secret, body: envelopeBody(i, sentMs) }))
  // What a pending delivery costs the naive way, payload included: the memory scenario's baseline.
  const naiveBytesPerJob = ((await usedMemory(context.redis.client)) - before) / count
  context.receiver.reset(secret)
  await resetCommandStats(context.redis.client)
  const naive = await runWorker(context, "naive", count)
  const naiveCommands = perDelivery(await commandStats(context.redis.client), count)
  const naiveStats = await context.receiver.stats()
  const naiveRate = drainRate(naiveStats.receiptsMs)

  context.figures.set("noop.jobsPerSecond", noopRate)
  context.figures.set("naive.deliveriesPerSecond", naiveRate)
  context.figures.set("naive.bytesPerPendingDelivery", naiveBytesPerJob)
  context.figures.set("naive.workerCpuMs", cpuMsPer(naive.cpu, "worker", count))
  context.figures.set("naive.redisCpuMs", cpuMsPer(naive.cpu, "redis", count))
  await flush(context)

  return {
    rows: [
      row({ scenario: "baselines", metric: "no-op BullMQ worker", unit: "jobs/s", herald: noopRate }),
      row({ scenario: "baselines", metric: "naive webhook worker", unit: "deliveries/s", herald: naiveRate })
    ],
    details: {
      jobs: count,
      concurrency: context.config.concurrency,
      noop: { jobsPerSecond: round(noopRate), failed: noop.done.failed, cpuCores: noop.cpu.cores },
      naive: {
        deliveriesPerSecond: round(naiveRate),
        redisBytesPerPendingDelivery: round(naiveBytesPerJob),
        failed: naive.done.failed,
        cpuCores: naive.cpu.cores,
        cpuMsPerDelivery: { worker: round(cpuMsPer(naive.cpu, "worker", count), 3), redis: round(cpuMsPer(naive.cpu, "redis", count), 3) },
        redisCallsPerDelivery: naiveCommands,
        // Without the timestamp check: the naive job's envelope is dated when it was queued, by design.
        receiver: { ...integrity(naiveStats), skewedTimestamps: undefined }
      }
    }
  }
}
