/**
 * The two worker baselines, each a BullMQ worker in its own process, as Herald's
 * worker is:
 *
 * - `noop`: the processor returns at once. The most any BullMQ worker can do on
 *   this machine at this concurrency: Herald's ceiling for taking jobs.
 * - `naive`: what a user would write instead of Herald. The job carries the whole
 *   delivery (URL, secret, envelope); the processor signs it (HMAC-SHA256, the
 *   same `t=,v1=` header Herald sends), POSTs it with the built-in `fetch`, and
 *   fails the job on a non-2xx so BullMQ retries it. No attempt log, no
 *   subscription lookup, no payload stored once: the job is the payload.
 *
 * Both count completions (BullMQ's `completed` event, after the job is settled in
 * Redis) and report once the expected number is done.
 */
import { createHmac } from "node:crypto"
import { type Job, Worker } from "bullmq"
import { nowMs } from "../Clock.js"
import type { FromQueueWorker, NaiveJob, ToQueueWorker } from "../Protocol.js"

const send = (message: FromQueueWorker) => process.send?.(message)

const noop = async (): Promise<void> => {}

const naive = async (job: Job<NaiveJob>): Promise<void> => {
  const { body, secret, url } = job.data
  const t = Math.floor(Date.now() / 1000)
  const signature = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "datagrid-signature": `t=${t},v1=${signature}` },
    body,
    signal: AbortSignal.timeout(15_000)
  })
  // Read the body so the connection goes back to the pool.
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`receiver answered ${response.status}`)
}

let worker: Worker | undefined

process.on("message", (raw) => {
  const message = raw as ToQueueWorker
  if (message.type === "stop") {
    void (worker?.close() ?? Promise.resolve()).then(() => process.exit(0))
    return
  }
  let completed = 0
  let failed = 0
  const startedMs = nowMs()
  const url = new URL(message.redisUrl)
  worker = new Worker(message.queue, message.mode === "noop" ? noop : naive, {
    connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
    prefix: message.prefix,
    concurrency: message.concurrency
  })
  worker.on("error", (error) => process.stderr.write(`worker error: ${String(error)}\n`))
  worker.on("failed", () => {
    failed++
  })
  let firstMs = Number.NaN
  worker.on("completed", () => {
    if (++completed === 1) firstMs = nowMs()
    if (completed === message.count) {
      send({ type: "done", completed, failed, startedMs, firstMs, finishedMs: nowMs() })
    }
  })
})

process.on("disconnect", () => process.exit(0))
send({ type: "ready" })
