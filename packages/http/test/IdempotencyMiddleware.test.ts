// The Idempotency-Key middleware on its own, around scripted apps: what it keeps,
// what it releases, and what a replay repeats. The HTTP behaviour of the real
// app on every backend is in Idempotency.test.ts.
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ApiKeys, IdempotencyStore, type Ids, SecretCipher } from "@herald/core"
import { MemoryApiKeyStore, MemoryIdempotencyStore } from "@herald/memory"
import { Cause, Effect, Exit, Fiber, Layer, Option, Redacted } from "effect"
import * as Idempotency from "../src/edge/Idempotency.js"
import * as Profiles from "../src/Profiles.js"

const KEY = "hk_unit_acme_0123456789abcdef"
const OTHER_KEY = "hk_unit_acme_second_0123456789"

/** The memory store, recording what each `complete` stores. */
const recordingStore = (completed: Array<IdempotencyStore.StoredResponse>) =>
  Layer.effect(
    IdempotencyStore.IdempotencyStore,
    Effect.map(MemoryIdempotencyStore.make, (store) => ({
      ...store,
      complete: (scopeKey, token, fingerprint, response, ttlMs) => {
        completed.push(response)
        return store.complete(scopeKey, token, fingerprint, response, ttlMs)
      }
    }))
  )

const setup = (options: { readonly encryptionKey?: Uint8Array } = {}) =>
  Effect.gen(function*() {
    const completed: Array<IdempotencyStore.StoredResponse> = []
    const context = yield* Layer.build(Layer.mergeAll(
      recordingStore(completed),
      ApiKeys.ApiKeys.Default.pipe(Layer.provide(MemoryApiKeyStore.layer)),
      SecretCipher.layer(Option.fromNullable(options.encryptionKey))
    ))
    const middleware = yield* Idempotency.make(Profiles.all).pipe(Effect.provide(context))
    const apiKeys = yield* ApiKeys.ApiKeys.pipe(Effect.provide(context))
    yield* apiKeys.register(Redacted.make(KEY), "acme" as Ids.TeamspaceId)
    yield* apiKeys.register(Redacted.make(OTHER_KEY), "acme" as Ids.TeamspaceId)
    return { middleware, completed, apiKeys }
  })

interface Call {
  readonly method?: string
  readonly path?: string
  readonly key?: string
  readonly apiKey?: string
  readonly body?: string
}

const request = (call: Call) =>
  HttpServerRequest.fromWeb(
    new Request(`http://herald.test${call.path ?? "/v1/webhooks"}`, {
      method: call.method ?? "POST",
      headers: {
        authorization: `Bearer ${call.apiKey ?? KEY}`,
        "content-type": "application/json",
        ...(call.key === undefined ? {} : { "idempotency-key": call.key })
      },
      ...(call.body === undefined ? {} : { body: call.body })
    })
  )

/** An app that counts its runs and answers with `respond(run)`. */
const countingApp = (respond: (run: number) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>) => {
  const state = { runs: 0 }
  const app = Effect.suspend(() => respond(++state.runs))
  return { app, state }
}

const through = (
  middleware: Effect.Effect.Success<ReturnType<typeof setup>>["middleware"],
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
  call: Call
) => middleware(app).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request(call)))

const replayed = (response: HttpServerResponse.HttpServerResponse) =>
  response.headers[Idempotency.REPLAYED_HEADER] === "true"

const bodyOf = (response: HttpServerResponse.HttpServerResponse) =>
  response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : ""

const refusal = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return undefined
  const defect = Cause.dieOption(exit.cause)
  return Option.isSome(defect) && defect.value instanceof Idempotency.IdempotencyKeyError
    ? defect.value.failure
    : undefined
}

describe("Idempotency middleware", () => {
  it.scoped("replays a 2xx with its status, body, kept headers and Idempotent-Replayed, dropping per-request headers", () =>
    Effect.gen(function*() {
      const { middleware } = yield* setup()
      const { app, state } = countingApp((run) =>
        HttpServerResponse.json({ run }, {
          status: 201,
          headers: { location: "/v1/webhooks/wh_1", "x-ratelimit-remaining": "9" }
        })
      )
      const call = { key: "k-1", body: "{\"a\":1}" }
      const first = yield* through(middleware, app, call)
      const second = yield* through(middleware, app, call)
      expect(state.runs).toBe(1)
      expect(replayed(first)).toBe(false)
      expect(replayed(second)).toBe(true)
      expect(second.status).toBe(201)
      expect(bodyOf(second)).toBe("{\"run\":1}")
      expect(second.body.contentType).toBe("application/json")
      expect(second.headers["location"]).toBe("/v1/webhooks/wh_1")
      expect(second.headers["x-ratelimit-remaining"]).toBeUndefined()
    }))

  it.scoped("replays an empty 204 as an empty 204", () =>
    Effect.gen(function*() {
      const { middleware } = yield* setup()
      const { app, state } = countingApp(() => Effect.succeed(HttpServerResponse.empty({ status: 204 })))
      yield* through(middleware, app, { key: "k-204" })
      const again = yield* through(middleware, app, { key: "k-204" })
      expect(state.runs).toBe(1)
      expect(again.status).toBe(204)
      expect(again.body._tag).toBe("Empty")
      expect(replayed(again)).toBe(true)
    }))

  it.scoped("keeps no 4xx or 5xx, and no failure or defect: a retry with the key runs again", () =>
    Effect.gen(function*() {
      const { completed, middleware } = yield* setup()
      const outcomes: ReadonlyArray<Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>> = [
        HttpServerResponse.json({ error: "bad" }, { status: 400 }),
        HttpServerResponse.json({ error: "oops" }, { status: 500 }),
        HttpServerResponse.json({ error: "unavailable" }, { status: 503 }),
        Effect.fail("typed failure"),
        Effect.dieMessage("boom"),
        HttpServerResponse.json({ ok: true }, { status: 200 })
      ]
      const { app, state } = countingApp((run) => outcomes[run - 1]!)
      for (let run = 1; run <= outcomes.length; run++) {
        yield* Effect.exit(through(middleware, app, { key: "k-retry", body: "{}" }))
        expect(state.runs).toBe(run)
      }
      expect(completed.map((response) => response.status)).toEqual([200])
      const replay = yield* through(middleware, app, { key: "k-retry", body: "{}" })
      expect(state.runs).toBe(outcomes.length)
      expect(replayed(replay)).toBe(true)
    }))

  it.scoped("refuses the same key for another body, path or query, naming the key", () =>
    Effect.gen(function*() {
      const { middleware } = yield* setup()
      const { app, state } = countingApp(() => HttpServerResponse.json({}, { status: 201 }))
      yield* through(middleware, app, { key: "k-used", body: "{\"a\":1}" })
      const otherBody = yield* Effect.exit(through(middleware, app, { key: "k-used", body: "{\"a\":2}" }))
      const otherPath = yield* Effect.exit(through(middleware, app, { key: "k-used", body: "{\"a\":1}", path: "/v1/events" }))
      const otherQuery = yield* Effect.exit(
        through(middleware, app, { key: "k-used", body: "{\"a\":1}", path: "/v1/webhooks?x=1" })
      )
      for (const exit of [otherBody, otherPath, otherQuery]) {
        expect(refusal(exit)).toEqual({ _tag: "IdempotencyKeyReused", key: "k-used" })
      }
      expect(state.runs).toBe(1)
    }))

  it.scoped("keys are per API key and its scopes: another key, or the key with other scopes, runs its own request", () =>
    Effect.gen(function*() {
      const { apiKeys, middleware } = yield* setup()
      const { app, state } = countingApp((run) => HttpServerResponse.json({ run }, { status: 201 }))
      yield* through(middleware, app, { key: "k-shared", body: "{}" })
      const other = yield* through(middleware, app, { key: "k-shared", body: "{}", apiKey: OTHER_KEY })
      expect(state.runs).toBe(2)
      expect(replayed(other)).toBe(false)
      yield* apiKeys.register(Redacted.make(KEY), "acme" as Ids.TeamspaceId, { scopes: ["read"] })
      const narrowed = yield* through(middleware, app, { key: "k-shared", body: "{}" })
      expect(state.runs).toBe(3)
      expect(replayed(narrowed)).toBe(false)
    }))

  it.scoped("leaves requests alone when there is no key to scope them by, or no POST", () =>
    Effect.gen(function*() {
      const { completed, middleware } = yield* setup()
      const { app, state } = countingApp(() => HttpServerResponse.json({}, { status: 201 }))
      for (let run = 0; run < 2; run++) {
        yield* through(middleware, app, { key: "k-alone", apiKey: "hk_unknown_0123456789abcdef" })
        yield* through(middleware, app, { key: "k-alone", apiKey: "" })
        yield* through(middleware, app, { key: "k-alone", method: "PATCH", body: "{}" })
        yield* through(middleware, app, { key: "not valid", method: "GET" })
        yield* through(middleware, app, {})
      }
      expect(state.runs).toBe(10)
      expect(completed).toEqual([])
    }))

  it.scoped("refuses keys that are empty, too long, not visible ASCII, or two keys", () =>
    Effect.gen(function*() {
      const { middleware } = yield* setup()
      const { app, state } = countingApp(() => HttpServerResponse.json({}, { status: 201 }))
      for (const key of ["", "a".repeat(256), "with space", "tab\there", "k1, k2", "caf\u00e9"]) {
        expect(Idempotency.isValidKey(key)).toBe(false)
      }
      for (const key of ["", "a".repeat(256), "k1, k2"]) {
        const exit = yield* Effect.exit(through(middleware, app, { key }))
        expect(refusal(exit)).toEqual({ _tag: "IdempotencyKeyInvalid" })
      }
      expect(Idempotency.isValidKey("a".repeat(255))).toBe(true)
      expect(Idempotency.isValidKey("stainless-node-retry-6c8f1a0e-3b0a-4d39-9e0d-7a3b7f9f2b11")).toBe(true)
      expect(state.runs).toBe(0)
    }))

  it.live("a reserved request runs to its end when its client hangs up, and its retry gets the replay", () =>
    Effect.gen(function*() {
      const { middleware } = yield* setup()
      const { app, state } = countingApp((run) =>
        Effect.as(Effect.sleep("50 millis"), HttpServerResponse.unsafeJson({ run }, { status: 201 }))
      )
      const fiber = yield* Effect.fork(through(middleware, app, { key: "k-hangup", body: "{}" }))
      yield* Effect.sleep("10 millis")
      const inProgress = yield* Effect.exit(through(middleware, app, { key: "k-hangup", body: "{}" }))
      expect(refusal(inProgress)).toEqual({ _tag: "IdempotencyKeyInProgress", key: "k-hangup" })
      yield* Fiber.interrupt(fiber)
      const retry = yield* through(middleware, app, { key: "k-hangup", body: "{}" })
      expect(state.runs).toBe(1)
      expect(replayed(retry)).toBe(true)
      expect(bodyOf(retry)).toBe("{\"run\":1}")
    }).pipe(Effect.scoped))

  it.scoped("with an encryption key, stores bodies encrypted and replays them in the clear", () =>
    Effect.gen(function*() {
      const { completed, middleware } = yield* setup({ encryptionKey: new Uint8Array(32).fill(7) })
      const { app } = countingApp(() =>
        HttpServerResponse.json({ secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=" }, { status: 201 })
      )
      yield* through(middleware, app, { key: "k-secret", body: "{}" })
      const replay = yield* through(middleware, app, { key: "k-secret", body: "{}" })
      expect(completed[0]!.body.startsWith("enc:v1:")).toBe(true)
      expect(completed[0]!.body).not.toContain("whsec_")
      expect(bodyOf(replay)).toBe("{\"secret\":\"whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=\"}")
    }))
})
