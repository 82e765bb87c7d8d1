/**
 * Publishing load from the bench process: `POST /v1/events` over one undici
 * keep-alive pool, either closed-loop (N events, K in flight, as fast as the API
 * answers; single publishes, or `POST /v1/events/batch` with a batch size) or open-loop (a fixed rate, whatever the API does: a slow answer does
 * not delay the next send, so latencies are not hidden by coordinated omission).
 *
 * Each event's data carries `sent_ms`, the bench's monotonic clock when its
 * request was handed to the pool; the receiver subtracts it from its own reading
 * of the same clock to get publish -> receipt latency.
 */
import type { NativeEvents } from "@herald/http"
import { Pool } from "undici"
import { nowMs } from "./Clock.js"
import { API_KEY, EVENT_TYPE } from "./Herald.js"

/**
 * A representative Datagrid payload (about 300 bytes of JSON): what a
 * `batch_prediction.completed` event carries, give or take.
 */
const sampleData = {
  object: "batch_prediction",
  id: "bpred_01JBENCH00000000000000000",
  status: "completed",
  agent_id: "agent_01JBENCH0000000000000000",
  created_at: "2026-11-20T10:00:00.000Z",
  completed_at: "2026-11-20T10:00:42.000Z",
  request_counts: { total: 1000, completed: 998, failed: 2 },
  output_file_id: "file_01JBENCH000000000000000000",
  metadata: { customer: "acme", batch: "nightly" }
}

/** The body of one publish: the sample data plus the send clock and a sequence number. */
export const eventBody = (seq: number, sentMs: number): string => {
  const body: typeof NativeEvents.PublishEventRequestBody.Encoded = { event_type: EVENT_TYPE, data: { ...sampleData, seq, sent_ms: sentMs } }
  return JSON.stringify(body)
}

/** The body of a batch publish: `size` events numbered from `firstSeq`, each as `eventBody`'s. */
export const batchBody = (firstSeq: number, size: number, sentMs: number): string => {
  const body: typeof NativeEvents.PublishBatchRequestBody.Encoded = {
    events: Array.from({ length: size }, (_, i) => ({ event_type: EVENT_TYPE, data: { ...sampleData, seq: firstSeq + i, sent_ms: sentMs } }))
  }
  return JSON.stringify(body)
}

/** How many of a batch answer's results refused their event (without decoding the whole answer). */
export const rejectedInBatch = (answer: string): number => answer.split(`"status":"rejected"`).length - 1

/** The envelope Herald would deliver for that event (the naive baseline's job carries it). */
export const envelopeBody = (seq: number, sentMs: number): string =>
  JSON.stringify({
    id: `evt_naive_${seq}`,
    event_type: EVENT_TYPE,
    timestamp: Math.floor(Date.now() / 1000),
    data: { ...sampleData, seq, sent_ms: sentMs }
  })

export interface ClosedLoopResult {
  readonly startedMs: number
  readonly finishedMs: number
  /** Per-request latency, ms (a batch is one request). */
  readonly latenciesMs: ReadonlyArray<number>
  /** Events not published: every event of a failed request, and a batch's refused ones. */
  readonly errors: number
}

export interface OpenLoopResult extends ClosedLoopResult {
  readonly sent: number
  /** How late the bench sent requests against the schedule, ms: large values would mean the bench, not Herald, was the bottleneck. */
  readonly lagMs: ReadonlyArray<number>
}

export const publisher = (apiUrl: string, connections: number) => {
  const pool = new Pool(apiUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000 })
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" }
  let firstError: string | undefined

  /** One publish; resolves with its latency in ms, or NaN if it failed. */
  const publish = async (seq: number): Promise<number> => {
    const sent = nowMs()
    try {
      const response = await pool.request({ method: "POST", path: "/v1/events", headers, body: eventBody(seq, sent) })
      const text = await response.body.text()
      if (response.statusCode !== 202) {
        firstError ??= `POST /v1/events answered ${response.statusCode}: ${text.slice(0, 300)}`
        return Number.NaN
      }
    } catch (error) {
      firstError ??= `POST /v1/events failed: ${String(error)}`
      return Number.NaN
    }
    return nowMs() - sent
  }

  /** One batch of `size` events; resolves with its latency in ms (NaN if the request failed) and the events refused. */
  const publishBatch = async (firstSeq: number, size: number): Promise<{ readonly latencyMs: number; readonly refused: number }> => {
    const sent = nowMs()
    try {
      const response = await pool.request({ method: "POST", path: "/v1/events/batch", headers, body: batchBody(firstSeq, size, sent) })
      const text = await response.body.text()
      if (response.statusCode !== 200) {
        firstError ??= `POST /v1/events/batch answered ${response.statusCode}: ${text.slice(0, 300)}`
        return { latencyMs: Number.NaN, refused: size }
      }
      const refused = rejectedInBatch(text)
      if (refused > 0) firstError ??= `POST /v1/events/batch refused ${refused} of ${size} events: ${text.slice(0, 300)}`
      return { latencyMs: nowMs() - sent, refused }
    } catch (error) {
      firstError ??= `POST /v1/events/batch failed: ${String(error)}`
      return { latencyMs: Number.NaN, refused: size }
    }
  }

  /** `count` events, `inFlight` requests at a time, each a single publish or (`batchSize` > 1) a batch. */
  const closedLoop = async (count: number, inFlight: number, firstSeq = 0, batchSize = 1): Promise<ClosedLoopResult> => {
    const latencies: Array<number> = []
    let errors = 0
    let next = 0
    const startedMs = nowMs()
    const lane = async () => {
      while (next < count) {
        if (batchSize === 1) {
          const latency = await publish(firstSeq + next++)
          if (Number.isNaN(latency)) errors++
          else latencies.push(latency)
          continue
        }
        const size = Math.min(batchSize, count - next)
        const from = next
        next += size
        const { latencyMs, refused } = await publishBatch(firstSeq + from, size)
        errors += refused
        if (!Number.isNaN(latencyMs)) latencies.push(latencyMs)
      }
    }
    await Promise.all(Array.from({ length: Math.min(inFlight, Math.ceil(count / batchSize)) }, lane))
    return { startedMs, finishedMs: nowMs(), latenciesMs: latencies, errors }
  }

  const openLoop = async (rate: number, seconds: number, firstSeq = 0): Promise<OpenLoopResult> => {
    const total = Math.round(rate * seconds)
    const latencies: Array<number> = []
    const lag: Array<number> = []
    const pending: Array<Promise<void>> = []
    let errors = 0
    let sent = 0
    const startedMs = nowMs()
    while (sent < total) {
      const now = nowMs()
      const due = Math.min(total, Math.floor(((now - startedMs) * rate) / 1000) + 1)
      while (sent < due) {
        lag.push(now - (startedMs + (sent * 1000) / rate))
        pending.push(publish(firstSeq + sent).then((latency) => {
          if (Number.isNaN(latency)) errors++
          else latencies.push(latency)
        }))
        sent++
      }
      // The next send is due in 1000/rate ms; a 1 ms timer keeps bursts small at any rate used here.
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.all(pending)
    return { startedMs, finishedMs: nowMs(), latenciesMs: latencies, errors, sent, lagMs: lag }
  }

  return {
    publish,
    publishBatch,
    closedLoop,
    openLoop,
    /** The first failure's message, for reports: a bench that only counts errors hides why. */
    firstError: () => firstError,
    close: () => pool.close()
  }
}

export type Publisher = ReturnType<typeof publisher>
