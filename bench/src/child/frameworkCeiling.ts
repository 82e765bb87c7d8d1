/**
 * The framework's ceiling: the publish route declared with the same stack as
 * Herald's API (`@effect/platform` HttpApi on `@effect/platform-node`, a Schema
 * payload, a 202 with a JSON body), doing nothing else: no authentication, no
 * storage, no queue. Herald's API cannot answer faster than this; the gap between
 * the two is Herald's own work, the gap to the node:http ceiling the framework's.
 * Like Herald's API, it opens no tracing span per request and logs nothing. Its
 * payload and answer are Herald's own schemas, from the contract (`@herald/http`).
 */
import { createServer } from "node:http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { NativeEvents } from "@herald/http"
import { Effect, Layer } from "effect"
import type { FromCeiling } from "../Protocol.js"

class Events extends HttpApiGroup.make("events").add(
  HttpApiEndpoint.post("publish", "/v1/events")
    .setPayload(NativeEvents.PublishEventRequestBody)
    .addSuccess(NativeEvents.PublishedEvent, { status: 202 })
) {}

class CeilingApi extends HttpApi.make("ceiling").add(Events) {}

const handlers = HttpApiBuilder.group(CeilingApi, "events", (handlers) =>
  handlers.handle("publish", ({ payload }) =>
    Effect.succeed({
      object: "event" as const,
      id: "evt_ceiling",
      event_type: payload.event_type,
      created_at: new Date().toISOString(),
      duplicate: false,
      deliveries: 1
    })))

const server = createServer()
server.keepAliveTimeout = 65_000

const announce = Effect.flatMap(HttpServer.HttpServer, ({ address }) =>
  Effect.sync(() => {
    const message: FromCeiling = { type: "ready", port: address._tag === "TcpAddress" ? address.port : 0 }
    process.send?.(message)
  }))

process.on("disconnect", () => process.exit(0))

HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.api(CeilingApi).pipe(Layer.provide(handlers))),
  HttpMiddleware.withTracerDisabledWhen(() => true),
  Layer.merge(Layer.effectDiscard(announce)),
  Layer.provide(NodeHttpServer.layer(() => server, { port: 0, host: "127.0.0.1" })),
  Layer.launch,
  NodeRuntime.runMain
)
