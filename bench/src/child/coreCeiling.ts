/**
 * Herald's own work for a publish, without the framework: `POST /v1/events` on a
 * bare node:http server, running what Herald's publish route runs through the
 * core services, in one fiber per request, on the same Redis and BullMQ adapters
 * (`REDIS_URL`): the API key read and checked, the teamspace's rate limit
 * counted, the event validated, stored and fanned out into the queue.
 *
 * It leaves out what `@effect/platform`'s HttpApi and the API's middlewares add
 * around that work: routing, Schema decoding and encoding, scope checks,
 * `Idempotency-Key`, request limits, error shapes and rate limit headers. The
 * gap between Herald's API and this is what the framework costs as Herald uses
 * it; it is not a server anyone should run (it answers any failure with a bare 500).
 *
 * At start it stores its own API key and one subscription, so it needs nothing
 * from the bench but the Redis URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { ApiKeys, Herald, Ids, Publisher, RateLimiter, Webhooks } from "@herald/core"
import type { NativeEvents } from "@herald/http"
import * as Profiles from "@herald/http/Profiles"
import { Environment, Ports } from "@herald/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { API_KEY, EVENT_TYPE, TEAMSPACE } from "../Herald.js"
import type { FromCeiling } from "../Protocol.js"

/** The settings and the Redis ports as a Herald process reads them from the environment. */
const services = Layer.unwrapEffect(Effect.zipWith(Environment.settings, Environment.redis, (settings, redis) =>
  Herald.servicesLayer.pipe(
    Layer.provideMerge(Ports.redis(redis)),
    Layer.provideMerge(Herald.settingsLayer(settings)),
    Layer.provideMerge(Profiles.layer)
  )))

const runtime = ManagedRuntime.make(services)

/** The API's rule for publishes, as the bench configures it (`RATE_LIMITS`): counted, never refused. */
const rule = { limit: 1_000_000_000, windowMs: 60_000 }

/** The publish request and answer, as the contract declares them (decoded by hand here, not by Schema). */
type PublishBody = typeof NativeEvents.PublishEventRequestBody.Encoded
type PublishedEvent = typeof NativeEvents.PublishedEvent.Encoded

const publish = (token: string, body: PublishBody) =>
  Effect.gen(function*() {
    const key = yield* ApiKeys.ApiKeys.pipe(Effect.flatMap((keys) => keys.authenticate(Redacted.make(token))))
    const limiter = yield* RateLimiter.RateLimiter
    const decision = yield* limiter.consume(`api:${key.teamspace}:POST /v1/events`, rule)
    if (!decision.allowed) return yield* Effect.fail(new Error("rate limited"))
    const publisher = yield* Publisher.Publisher
    const published = yield* publisher.publish(key.teamspace, { type: body.event_type, data: body.data, id: body.id })
    const reply: PublishedEvent = {
      object: "event",
      id: published.event.id,
      event_type: published.event.type,
      created_at: new Date(published.event.createdAt).toISOString(),
      duplicate: published.duplicate,
      deliveries: published.deliveries
    }
    return JSON.stringify(reply)
  })

const answer = (response: ServerResponse, status: number, body: string) => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(body)
}

const handle = (request: IncomingMessage, response: ServerResponse) => {
  if (request.method !== "POST" || request.url !== "/v1/events") return answer(response, 404, "{}")
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const token = (request.headers.authorization ?? "").slice("Bearer ".length)
    let body: PublishBody
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as PublishBody
    } catch {
      return answer(response, 400, "{}")
    }
    runtime.runPromise(publish(token, body)).then(
      (text) => answer(response, 202, text),
      (error: unknown) => answer(response, 500, JSON.stringify({ error: String(error) }))
    )
  })
}

const setUp = Effect.gen(function*() {
  const teamspace = Ids.TeamspaceId.make(TEAMSPACE)
  const keys = yield* ApiKeys.ApiKeys
  yield* keys.register(Redacted.make(API_KEY), teamspace, { label: "bench core ceiling" })
  const webhooks = yield* Webhooks.Webhooks
  yield* webhooks.create(teamspace, { url: "http://127.0.0.1:9/core-ceiling", events: [EVENT_TYPE] })
})

await runtime.runPromise(setUp)
const server = createServer(handle)
server.keepAliveTimeout = 65_000
server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
  const address = server.address()
  const message: FromCeiling = { type: "ready", port: typeof address === "object" && address !== null ? address.port : 0 }
  process.send?.(message)
})

process.on("disconnect", () => {
  server.close()
  void runtime.dispose().finally(() => process.exit(0))
})
