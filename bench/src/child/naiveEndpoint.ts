/**
 * The naive pipeline's endpoint: what a user would write instead of Herald's API
 * (issue 20). A Fastify server with one route, `POST /v1/events`, its body
 * validated by a JSON schema (Fastify compiles it once); per request it reads the
 * subscription for the event type (URL and secret, one `HGETALL` of a key the
 * bench seeds) and enqueues one BullMQ job per delivery carrying the whole
 * delivery (`NaiveJob`: URL, secret, envelope), then answers 202. The naive
 * worker (`queueWorker.ts`, mode `naive`) signs and POSTs it.
 *
 * No authentication, rate limits, idempotency, event record or attempt log:
 * that is the point of the baseline. Jobs are queued as the worker baselines'
 * are (removed once settled, 8 attempts with exponential backoff).
 *
 * Environment: `REDIS_URL`, `NAIVE_QUEUE` and `NAIVE_PREFIX` (BullMQ's queue
 * name and key prefix). Reports its port over IPC (`FromCeiling`).
 */
import { randomUUID } from "node:crypto"
import { Queue } from "bullmq"
import Fastify from "fastify"
import { Redis } from "ioredis"
import { type FromCeiling, type NaiveJob, naiveSubscriptionKey } from "../Protocol.js"

const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"
const queueName = process.env["NAIVE_QUEUE"] ?? "naive-pipeline"
const prefix = process.env["NAIVE_PREFIX"] ?? "bench"

// One connection for the lookups and the queue, as BullMQ's documentation shows it.
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
const queue = new Queue<NaiveJob>(queueName, { connection, prefix })
const jobOptions = { removeOnComplete: true, removeOnFail: true, attempts: 8, backoff: { type: "exponential", delay: 1_000 } }

interface PublishBody {
  readonly event_type: string
  readonly data: Record<string, unknown>
  readonly id?: string
}

const bodySchema = {
  type: "object",
  required: ["event_type", "data"],
  additionalProperties: false,
  properties: {
    event_type: { type: "string", minLength: 1 },
    data: { type: "object" },
    id: { type: "string", minLength: 1, maxLength: 128 }
  }
} as const

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 })

app.post<{ Body: PublishBody }>("/v1/events", { schema: { body: bodySchema } }, async (request, reply) => {
  const { data, event_type } = request.body
  const subscription = await connection.hgetall(naiveSubscriptionKey(event_type))
  const id = request.body.id ?? `evt_${randomUUID()}`
  if (subscription["url"] !== undefined && subscription["secret"] !== undefined) {
    const body = JSON.stringify({ id, event_type, timestamp: Math.floor(Date.now() / 1000), data })
    await queue.add("deliver", { url: subscription["url"], secret: subscription["secret"], body }, jobOptions)
  }
  return reply.code(202).send({ object: "event", id, event_type, deliveries: subscription["url"] === undefined ? 0 : 1 })
})

process.on("disconnect", () => {
  void app.close().then(() => queue.close()).then(() => connection.quit()).finally(() => process.exit(0))
})
process.on("SIGTERM", () => {
  void app.close().then(() => queue.close()).then(() => connection.quit()).finally(() => process.exit(0))
})

app.listen({ port: 0, host: "127.0.0.1" }).then(
  () => {
    const address = app.server.address()
    const message: FromCeiling = { type: "ready", port: typeof address === "object" && address !== null ? address.port : 0 }
    process.send?.(message)
  },
  (error: unknown) => {
    process.stderr.write(`naive endpoint failed to start: ${String(error)}\n`)
    process.exit(1)
  }
)
