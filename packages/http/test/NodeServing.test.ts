// The Node adapter on its own (`NodeServing`): a body read and parsed once
// however many copies of the request read it, chunked and empty bodies, the
// responses written as the platform writes them (JSON, empty, streamed, HEAD),
// and an upgrade request answered on its socket. The whole API through it is
// tested end to end in apps/api.
import { createServer, request as httpRequest } from "node:http"
import { HttpApp, type HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as NodeServing from "../src/NodeServing.js"

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

const send = (
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; chunks?: ReadonlyArray<string> }
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, method: options.method, path: options.path, headers: options.headers ?? {} }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
    })
    request.on("error", reject)
    for (const chunk of options.chunks ?? []) request.write(chunk)
    request.end()
  })

/** Reads the body through two copies of the request, as the edge and the handler do. */
const app: HttpApp.Default<HttpServerError.RequestError> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const path = request.url.split("?")[0]
  if (path === "/twice") {
    const copy = request.modify({ url: "/copy" })
    const first = yield* request.json
    const second = yield* copy.json
    const text = yield* copy.text
    return HttpServerResponse.unsafeJson({ same: first === second, text, url: copy.url, originalUrl: copy.originalUrl }, { status: 202 })
  }
  if (path === "/bad-json") {
    const exit = yield* Effect.exit(request.json)
    return HttpServerResponse.unsafeJson({ failed: exit._tag === "Failure" })
  }
  if (path === "/empty") return HttpServerResponse.empty({ status: 204 })
  if (path === "/stream") {
    return HttpServerResponse.stream(Stream.make("a", "b", "c").pipe(Stream.encodeText), { contentType: "text/plain" })
  }
  if (path === "/pre") {
    yield* HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeader(response, "x-pre", "yes")))
    return HttpServerResponse.text("pre")
  }
  return HttpServerResponse.text("hello")
})

const serve = Effect.gen(function*() {
  const server = yield* NodeServing.make(() => createServer(), { port: 0, host: "127.0.0.1" })
  yield* server.serve(app)
  const address = server.address
  return address._tag === "TcpAddress" ? address.port : 0
})

describe("NodeServing", () => {
  // One parse: both copies' `json` give the very same object.
  it.scoped("reads a body once and parses it once, for every copy of the request", () =>
    Effect.gen(function*() {
      const port = yield* serve
      const answer = yield* Effect.promise(() =>
        send(port, { method: "POST", path: "/twice?x=1", headers: { "content-type": "application/json" }, chunks: ['{"a":', "[1,2]}"] })
      )
      expect(answer.status).toBe(202)
      expect(answer.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(answer.body)).toEqual({ same: true, text: '{"a":[1,2]}', url: "/copy", originalUrl: "/twice?x=1" })
    }))

  it.scoped("reads an empty body as null and a body that is not JSON as a failure", () =>
    Effect.gen(function*() {
      const port = yield* serve
      const empty = yield* Effect.promise(() => send(port, { method: "POST", path: "/twice" }))
      expect(JSON.parse(empty.body)).toMatchObject({ same: true, text: "" })
      const bad = yield* Effect.promise(() => send(port, { method: "POST", path: "/bad-json", chunks: ["{not json"] }))
      expect(JSON.parse(bad.body)).toEqual({ failed: true })
    }))

  it.scoped("writes empty, streamed, HEAD and pre-handled responses as the platform does", () =>
    Effect.gen(function*() {
      const port = yield* serve
      const empty = yield* Effect.promise(() => send(port, { method: "GET", path: "/empty" }))
      expect([empty.status, empty.body]).toEqual([204, ""])
      const streamed = yield* Effect.promise(() => send(port, { method: "GET", path: "/stream" }))
      expect([streamed.status, streamed.body, streamed.headers["content-type"]]).toEqual([200, "abc", "text/plain"])
      const head = yield* Effect.promise(() => send(port, { method: "HEAD", path: "/" }))
      expect([head.status, head.body]).toEqual([200, ""])
      const pre = yield* Effect.promise(() => send(port, { method: "GET", path: "/pre" }))
      expect([pre.body, pre.headers["x-pre"]]).toEqual(["pre", "yes"])
    }))

  it.scoped("answers an upgrade request through the app, and closes its connection", () =>
    Effect.gen(function*() {
      const port = yield* serve
      const answer = yield* Effect.promise(() =>
        send(port, { method: "GET", path: "/", headers: { connection: "Upgrade", upgrade: "websocket" } })
      )
      expect([answer.status, answer.body]).toEqual([200, "hello"])
    }))

  // Node takes its own error listener off an upgraded socket: one reset by its client while the
  // answer is written would otherwise be an uncaught error, and end the process.
  it.scoped("gives an upgrade request's socket an error listener", () =>
    Effect.gen(function*() {
      let nodeServer: ReturnType<typeof createServer> | undefined
      const server = yield* NodeServing.make(() => (nodeServer = createServer()), { port: 0, host: "127.0.0.1" })
      yield* server.serve(app)
      const listeners: Array<number> = []
      nodeServer!.on("upgrade", (_request, socket) => listeners.push(socket.listenerCount("error")))
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      yield* Effect.promise(() => send(port, { method: "GET", path: "/", headers: { connection: "Upgrade", upgrade: "websocket" } }))
      expect(listeners).toHaveLength(1)
      expect(listeners[0]).toBeGreaterThanOrEqual(1)
    }))
})
