// The API as a Node request handler under a prefix, on its own: which prefixes
// and paths it accepts, what its request log says, and what it answers once its
// scope has closed. The whole API mounted in an application's server (SDKs,
// refusals, docs, rate limits) is tested end to end in apps/api
// (MountedApi.test.ts).
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Herald, Transport } from "@herald/core"
import { MemoryLayer } from "@herald/memory"
import { Cause, Effect, Exit, Fiber, HashMap, Layer, Logger, Scope } from "effect"
import { HeraldApi } from "../src/Contract.js"
import * as DocsPage from "../src/docs/DocsPage.js"
import * as Mount from "../src/edge/Mount.js"
import * as Protection from "../src/edge/Protection.js"
import * as NodeHandler from "../src/NodeHandler.js"
import * as Profiles from "../src/Profiles.js"

describe("Mount.normalize", () => {
  it.effect.each([
    ["", ""],
    ["/", ""],
    ["/webhooks-api", "/webhooks-api"],
    ["/webhooks-api/", "/webhooks-api"],
    ["/api/webhooks", "/api/webhooks"],
    ["/Webhooks-API", "/Webhooks-API"]
  ] as const)("%j is %j", ([prefix, normalized]) => Effect.map(Mount.normalize(prefix), (actual) => expect(actual).toBe(normalized)))

  it.effect.each(["webhooks-api", "/webhooks-api?x=1", "/webhooks#api", "/a//b", "/web hooks", "/Hooks%20API", "/a/../b", "/./a", "/a/.."])(
    "%j is refused, naming it",
    (prefix) =>
      Effect.map(Effect.exit(Mount.normalize(prefix)), (exit) => {
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain(JSON.stringify(prefix))
      })
  )
})

describe("Mount.strip", () => {
  it.each([
    ["/webhooks-api/v1/webhooks?limit=2", "/v1/webhooks?limit=2"],
    ["/webhooks-api", "/"],
    ["/webhooks-api/", "/"],
    ["/webhooks-api?x=1", "/?x=1"],
    ["/WEBHOOKS-API/v1/webhooks", "/v1/webhooks"],
    ["/webhooks-apix/v1/webhooks", undefined],
    ["/v1/webhooks", undefined],
    ["/", undefined]
  ])("%s is %s", (url, stripped) => {
    expect(Mount.strip("/webhooks-api", url)).toBe(stripped)
    expect(Mount.covers("/webhooks-api", url)).toBe(stripped !== undefined)
  })

  it("at the root, every URL is the API's", () => {
    expect(Mount.strip("", "/v1/webhooks?x=1")).toBe("/v1/webhooks?x=1")
  })
})

describe("DocsPage.mounted", () => {
  const document = (servers?: ReadonlyArray<{ readonly url: string }>) =>
    ({ openapi: "3.1.0", ...(servers === undefined ? {} : { servers }) }) as unknown as OpenApi.OpenAPISpec

  it("names the prefix as the server of a document without servers, and leaves the document alone at the root", () => {
    expect(DocsPage.mounted(document(), "/webhooks-api")).toEqual({ openapi: "3.1.0", servers: [{ url: "/webhooks-api" }] })
    const atRoot = document()
    expect(DocsPage.mounted(atRoot, "")).toBe(atRoot)
  })

  it("moves servers given as paths under the prefix, and leaves others", () => {
    expect(DocsPage.mounted(document([{ url: "/api/" }, { url: "https://elsewhere.example" }]), "/webhooks-api")).toEqual({
      openapi: "3.1.0",
      servers: [{ url: "/webhooks-api/api" }, { url: "https://elsewhere.example" }]
    })
  })
})

/** What serving the API needs, every port in memory; nothing is delivered in these tests. */
const services = Protection.layer(Protection.defaultsFor(HeraldApi)).pipe(
  Layer.provideMerge(Herald.servicesLayer),
  Layer.provideMerge(Layer.merge(
    MemoryLayer.layer,
    Layer.succeed(Transport.Transport, { send: () => Effect.dieMessage("no deliveries in these tests") })
  )),
  Layer.provideMerge(Herald.settingsLayer({
    retrySchedule: [0],
    allowPrivateUrls: false,
    delivery: { timeoutMs: 1_000, concurrency: 1 }
  })),
  Layer.provideMerge(Profiles.layer)
)

/** A Node server handing every request to `handler`; its origin. */
const listen = (handler: NodeHandler.Handler) =>
  Effect.gen(function*() {
    const server = createServer(handler)
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
    )
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, connection: response.headers.get("connection"), body: await response.text() }
  })

describe("NodeHandler", () => {
  it.live("serves the API under its prefix, whatever the prefix's case, and says which URLs it serves", () =>
    Effect.gen(function*() {
      const handler = yield* NodeHandler.make({ prefix: "/webhooks-api/" })
      expect(handler.prefix).toBe("/webhooks-api")
      expect(handler.serves("/webhooks-api/v1/webhooks")).toBe(true)
      expect(handler.serves("/hello")).toBe(false)
      const origin = yield* listen(handler)
      expect(yield* get(`${origin}/webhooks-api/healthz`)).toMatchObject({ status: 200, body: "{\"status\":\"ok\"}" })
      expect(yield* get(`${origin}/Webhooks-API/healthz`)).toMatchObject({ status: 200 })
      expect(yield* get(`${origin}/healthz`)).toMatchObject({ status: 404 })
    }).pipe(Effect.scoped, Effect.provide(services)))

  it.live("serves under Express's app.use(prefix, handler), which takes the prefix off url and keeps originalUrl", () =>
    Effect.gen(function*() {
      const handler = yield* NodeHandler.make({ prefix: "/webhooks-api" })
      // What Express's router does to a request it hands to a middleware mounted at a path.
      const expressStyle = (request: IncomingMessage, response: ServerResponse) => {
        const sent = request.url ?? "/"
        Object.assign(request, { originalUrl: sent, url: sent.slice("/webhooks-api".length) || "/" })
        handler(request, response)
      }
      const origin = yield* listen(expressStyle as NodeHandler.Handler)
      expect(yield* get(`${origin}/webhooks-api/healthz`)).toMatchObject({ status: 200, body: "{\"status\":\"ok\"}" })
    }).pipe(Effect.scoped, Effect.provide(services)))

  it.live("closing its scope waits for the requests in flight: a slow upload still gets its answer", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const handler = yield* NodeHandler.make({ prefix: "/webhooks-api" }).pipe(Scope.extend(scope))
      const origin = yield* listen(handler)
      // A request whose body is still arriving when the scope starts to close.
      const { request: slow, answered } = yield* Effect.sync(() => {
        const slow = httpRequest(`${origin}/webhooks-api/v1/webhooks`, { method: "POST", headers: { "content-type": "application/json" } })
        const answered = new Promise<number>((resolve, reject) => {
          slow.on("response", (response) => {
            response.resume()
            response.on("end", () => resolve(response.statusCode ?? 0))
          })
          slow.on("error", reject)
        })
        slow.write("{")
        return { request: slow, answered }
      })
      yield* Effect.sleep("100 millis")
      let closed = false
      const closing = yield* Effect.fork(Effect.tap(Scope.close(scope, Exit.void), () => Effect.sync(() => (closed = true))))
      yield* Effect.sleep("100 millis")
      expect(closed, "the scope waits while the request is in flight").toBe(false)
      slow.end("}")
      // Unauthenticated, but answered by the API, not cut off.
      expect(yield* Effect.promise(() => answered)).toBe(401)
      yield* Fiber.join(closing)
      expect(closed).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(services)))

  it.live("logs each request with its URL as the client sent it, prefix included", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const capture = Logger.make(({ annotations }) => {
        const line = Object.fromEntries(HashMap.toEntries(annotations))
        if ("http.url" in line) lines.push(line)
      })
      const handler = yield* NodeHandler.make({ prefix: "/webhooks-api", requestLog: "all" }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      const origin = yield* listen(handler)
      yield* get(`${origin}/webhooks-api/healthz?probe=1`)
      yield* get(`${origin}/webhooks-api/v1/nothing`)
      const requestId = expect.stringMatching(/^req_[0-9a-f]{20}$/)
      expect(lines).toEqual([
        { "http.method": "GET", "http.url": "/webhooks-api/healthz?probe=1", "http.status": 200, requestId },
        { "http.method": "GET", "http.url": "/webhooks-api/v1/nothing", "http.status": 404, requestId }
      ])
    }).pipe(Effect.scoped, Effect.provide(services)))

  it.live("answers 503 and closes the connection once its scope has closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const handler = yield* NodeHandler.make({ prefix: "/webhooks-api" }).pipe(Scope.extend(scope))
      const origin = yield* listen(handler)
      expect((yield* get(`${origin}/webhooks-api/healthz`)).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      expect(yield* get(`${origin}/webhooks-api/healthz`)).toEqual({ status: 503, connection: "close", body: "" })
    }).pipe(Effect.scoped, Effect.provide(services)))

  it.effect("refuses a prefix that is not a path, naming it", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(NodeHandler.make({ prefix: "webhooks-api" }))
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("\"webhooks-api\"")
    }).pipe(Effect.scoped, Effect.provide(services)))
})
