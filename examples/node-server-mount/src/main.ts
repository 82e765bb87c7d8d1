/**
 * Herald's HTTP API inside your application's existing Node HTTP server: your
 * routes stay yours (`GET /` here), and Herald's whole API (webhooks in the
 * Datagrid, Exa and Diga dialects, publishing, the delivery log, the docs page
 * and the OpenAPI document) answers under `/webhooks-api`, with the same
 * authentication, rate limits and error bodies as Herald's own server. Every
 * port is in memory and the delivery loop runs in the same process. Your
 * customers' clients and SDKs take `http://localhost:3000/webhooks-api` as
 * their base URL (`.../webhooks-api/v1` for Datagrid's SDK).
 *
 * Run it: `npx turbo run build --filter=@herald/example-node-server-mount...`,
 * then `npm start -w @herald/example-node-server-mount`, and try the commands
 * it prints.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { NodeRuntime } from "@effect/platform-node"
import { ApiKeys, Herald, type Ids } from "@herald/core"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as NodeHandler from "@herald/http/NodeHandler"
import * as Profiles from "@herald/http/Profiles"
import { MemoryLayer } from "@herald/memory"
import { UndiciTransport } from "@herald/undici"
import { Console, Effect, Layer, Redacted } from "effect"

/** Herald's services, its API's limits and its delivery loop, every port in memory. */
export const HeraldLive = Layer.merge(Herald.workerLayer, Protection.layer(Protection.defaultsFor(HeraldApi))).pipe(
  Layer.provideMerge(Herald.servicesLayer),
  Layer.provideMerge(Layer.merge(MemoryLayer.layer, UndiciTransport.layer())),
  Layer.provideMerge(Herald.settingsLayer({
    retrySchedule: [0, 1_000, 5_000],
    // So that webhooks may point at localhost while you try it; in production leave this false.
    allowPrivateUrls: true,
    delivery: { timeoutMs: 5_000, concurrency: 10 }
  })),
  Layer.provideMerge(Profiles.layer)
)

/** Your application's server on `port` (0: any free one), with Herald mounted; its origin. */
export const serve = (port: number) =>
  Effect.gen(function*() {
    const herald = yield* NodeHandler.make({ prefix: "/webhooks-api" })
    // Request timeouts are your server's to set: these are Herald's own server's.
    const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
      if (herald.serves(request.url ?? "/")) return herald(request, response)
      // Your application's own routes.
      if (request.method === "GET" && request.url === "/") {
        response.writeHead(200, { "content-type": "text/plain" }).end("My application. Webhooks: /webhooks-api/docs\n")
      } else response.writeHead(404).end()
    })
    // Closed before Herald's scope ends: Node lets the requests in flight finish.
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(port, () => resume(Effect.void))),
      () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
    )
    return `http://localhost:${(server.address() as AddressInfo).port}`
  })

/** An API key for one of your customers (a teamspace); shown once, stored hashed. */
export const issueKey = (teamspace: string) =>
  Effect.flatMap(ApiKeys.ApiKeys, (keys) => keys.issue(teamspace as Ids.TeamspaceId, { label: "example" })).pipe(
    Effect.map(({ key }) => Redacted.value(key))
  )

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Effect.gen(function*() {
    const origin = yield* serve(3000)
    const key = yield* issueKey("acme")
    const api = `${origin}/webhooks-api`
    yield* Console.log(`Your application: ${origin}/
Herald's API:     ${api} (docs: ${api}/docs)
API key for teamspace "acme", shown once: ${key}

  curl -X POST ${api}/v1/webhooks -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"url":"https://example.com/hooks","events":["batch_prediction.completed"]}'
  curl -X POST ${api}/v1/events -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"event_type":"batch_prediction.completed","data":{"id":"bpred_1"}}'

Ctrl-C stops it.`)
    return yield* Effect.never
  }).pipe(Effect.scoped, Effect.provide(HeraldLive), NodeRuntime.runMain)
}
