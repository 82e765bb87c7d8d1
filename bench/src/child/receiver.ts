/**
 * The webhook receiver every delivery goes to, Herald's and the naive worker's
 * alike: a bare node:http server that answers 200 with an empty body at once.
 *
 * It runs in its own process, not in the bench process: the bench process also
 * generates the publish load, and a busy event loop there would delay receipts
 * and inflate latencies that then look like Herald's. Here it costs what any
 * receiver costs; its CPU is reported beside Herald's.
 *
 * Per delivery it parses the envelope, checks the signature (when given a
 * secret, with `@herald/verify`), counts duplicates, and records publish ->
 * receipt latency from the `sent_ms` the bench put into the event's data.
 */
import { createServer } from "node:http"
import { verifySignature } from "@herald/verify"
import { nowMs } from "../Clock.js"
import type { FromReceiver, ReceiverStats, ToReceiver } from "../Protocol.js"

const send = (message: FromReceiver) => process.send?.(message)

/** A growable array of doubles: 8 bytes a sample, no per-element objects. */
class Samples {
  private data = new Float64Array(1 << 16)
  length = 0
  push(value: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = value
  }
  toArray(): Array<number> {
    return Array.from(this.data.subarray(0, this.length))
  }
}

let secret: string | null = null
let latencies = new Samples()
let receipts = new Samples()
let seen = new Set<string>()
let duplicates = 0
let badSignatures = 0
let malformed = 0
let skewed = 0
let expected = Number.POSITIVE_INFINITY

const record = (path: string, body: string, signature: string | undefined, at: number) => {
  receipts.push(at)
  if (receipts.length >= expected) {
    send({ type: "reached", count: receipts.length, atMs: at })
    expected = Number.POSITIVE_INFINITY
  }
  let envelope: { id?: unknown; timestamp?: unknown; data?: { sent_ms?: unknown } }
  try {
    envelope = JSON.parse(body) as typeof envelope
  } catch {
    malformed++
    return
  }
  if (typeof envelope.id !== "string") {
    malformed++
    return
  }
  const key = `${path} ${envelope.id}`
  if (seen.has(key)) duplicates++
  else seen.add(key)
  const sent = envelope.data?.sent_ms
  if (typeof sent === "number") latencies.push(at - sent)
  if (typeof envelope.timestamp === "number" && Math.abs(Date.now() / 1000 - envelope.timestamp) > 2) skewed++
  if (secret !== null && !verifySignature({ payload: body, header: signature, secret }).ok) badSignatures++
}

const server = createServer((request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const at = nowMs()
    response.writeHead(200, { "content-length": "0" }).end()
    const signature = request.headers["datagrid-signature"]
    record(request.url ?? "/", Buffer.concat(chunks).toString("utf8"), Array.isArray(signature) ? signature[0] : signature, at)
  })
})
// Longer than any sender's idle timeout: the sender, not the receiver, decides when a pooled connection closes.
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000

process.on("message", (raw) => {
  const message = raw as ToReceiver
  switch (message.type) {
    case "reset":
      secret = message.secret
      latencies = new Samples()
      receipts = new Samples()
      seen = new Set()
      duplicates = badSignatures = malformed = skewed = 0
      expected = Number.POSITIVE_INFINITY
      break
    case "expect":
      if (receipts.length >= message.count) {
        send({ type: "reached", count: receipts.length, atMs: nowMs() })
      } else {
        expected = message.count
      }
      break
    case "stats": {
      const stats: ReceiverStats = {
        count: receipts.length,
        duplicates,
        badSignatures,
        malformed,
        skewedTimestamps: skewed,
        latenciesMs: latencies.toArray(),
        receiptsMs: receipts.toArray()
      }
      send({ type: "stats", stats })
      break
    }
  }
})
// The bench going away takes the receiver with it.
process.on("disconnect", () => process.exit(0))

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  send({ type: "ready", port: typeof address === "object" && address !== null ? address.port : 0 })
})
