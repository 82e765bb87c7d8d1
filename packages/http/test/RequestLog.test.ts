/**
 * The request log's modes: `errors` (the default) logs a line for each request
 * answered 400 or above, in `HttpMiddleware.logger`'s shape, and none for the
 * rest; the variable is validated at start.
 */
import { describe, expect, it } from "@effect/vitest"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Exit, HashMap, Logger } from "effect"
import * as RequestLog from "../src/edge/RequestLog.js"

/** Runs `app` through the `errors` log; the lines it logged and how it ended. */
const run = <E>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
  Effect.gen(function*() {
    const lines: Array<{ message: unknown; cause: string; annotations: Record<string, unknown> }> = []
    const capture = Logger.make(({ annotations, cause, message }) => {
      lines.push({ message, cause: Cause.pretty(cause), annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
    })
    const request = HttpServerRequest.fromWeb(new Request("http://herald.test/v1/events", { method: "POST" }))
    const exit = yield* RequestLog.errorsOnly(app).pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, request),
      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
      Effect.exit
    )
    return { exit, lines }
  })

const logged = (status: number) =>
  Effect.gen(function*() {
    const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
    const capture = Logger.make(({ annotations, message }) => {
      lines.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
    })
    const request = HttpServerRequest.fromWeb(new Request("http://herald.test/v1/webhooks?limit=5", { method: "GET" }))
    const response = yield* RequestLog.errorsOnly(HttpServerResponse.empty({ status })).pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, request),
      Effect.provide(Logger.replace(Logger.defaultLogger, capture))
    )
    expect(response.status).toBe(status)
    return lines
  })

describe("RequestLog", () => {
  it.effect("errors: a request answered 2xx or 3xx is not logged", () =>
    Effect.gen(function*() {
      expect(yield* logged(200)).toEqual([])
      expect(yield* logged(304)).toEqual([])
    }))

  it.effect("errors: a request answered 4xx or 5xx is logged with its method, url and status", () =>
    Effect.gen(function*() {
      for (const status of [400, 429, 503]) {
        expect(yield* logged(status)).toEqual([{
          message: ["Sent HTTP response"],
          annotations: { "http.method": "GET", "http.url": "/v1/webhooks?limit=5", "http.status": status }
        }])
      }
    }))

  it.effect("errors: a request that failed (the way HttpApi's errors and defects arrive) is logged with the status it is answered with", () =>
    Effect.gen(function*() {
      // HttpApi hands an error it encoded on as a defect carrying the response.
      const notFound = yield* run(Effect.die(HttpServerResponse.empty({ status: 404 })))
      expect(Exit.isFailure(notFound.exit)).toBe(true)
      expect(notFound.lines).toEqual([{
        message: ["Sent HTTP response"],
        cause: "All fibers interrupted without errors.",
        annotations: { "http.method": "POST", "http.url": "/v1/events", "http.status": 404 }
      }])
      const died = yield* run(Effect.die(new Error("boom")))
      expect(Exit.isFailure(died.exit)).toBe(true)
      expect(died.lines).toHaveLength(1)
      expect(died.lines[0]!.annotations).toEqual({ "http.method": "POST", "http.url": "/v1/events", "http.status": 500 })
      // The line carries the defect as its cause.
      expect(died.lines[0]!.cause).toContain("boom")
    }))
})
