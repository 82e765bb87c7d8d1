/**
 * `POST /v1/events/batch` through the real app, on every backend: a result per event in request
 * order (accepted with its deliveries, duplicate, or refused in the Datagrid error shape naming the
 * field with its index), 200 when the batch is well formed, the accepted events delivered; a batch
 * over 500 events or empty is a 400; an `Idempotency-Key` replays the whole answer. (The rate limit
 * counting events is in RateLimiting.test.ts.)
 */
import { TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const TYPE = "batch_prediction.completed"

/** One event's result, as the tests read it (the error's issues are those of a Datagrid 400). */
interface Result {
  readonly status: "accepted" | "duplicate" | "rejected"
  readonly event: Readonly<Record<string, unknown>>
  readonly error: {
    readonly status_code: number
    readonly message: string
    readonly details: { readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number> }> }
  }
}

/** A batch's answer, or an error body. */
interface Body {
  readonly object?: string
  readonly results: ReadonlyArray<Result>
  readonly message: string
}

interface Answer {
  readonly status: number
  readonly replayed: boolean
  readonly text: string
  readonly body: Body
}

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  let run = 0

  beforeAll(async () => {
    app = await start({ backend })
    receiver = await TestReceiver.start()
  })
  afterAll(async () => {
    await app.close()
    await receiver.close()
  })

  const send = async (method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<Answer> => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY_ACME}`,
        "content-type": "application/json",
        ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return {
      status: response.status,
      replayed: response.headers.get("idempotent-replayed") === "true",
      text,
      body: (text === "" ? {} : JSON.parse(text)) as Body
    }
  }

  /** Ids unique to this run of the suite: the backends' stores outlive nothing, but tests share one app. */
  const id = (name: string) => `${backend}-${run}-${name}`

  it("answers 200 with a result per event in order, and delivers the accepted ones", async () => {
    run++
    const webhook = await send("POST", "/v1/webhooks", { url: `${receiver.url}/batch-${run}`, events: [TYPE] })
    expect(webhook.status).toBe(201)
    const earlier = await send("POST", "/v1/events", { event_type: TYPE, data: { n: 0 }, id: id("earlier") })
    expect(earlier.status).toBe(202)

    const answer = await send("POST", "/v1/events/batch", {
      events: [
        { event_type: TYPE, data: { n: 1 }, id: id("one") },
        { event_type: "no.such.type", data: {} },
        { event_type: TYPE, data: { n: 0 }, id: id("earlier") },
        { event_type: TYPE, data: "not an object" },
        { data: { n: 4 } },
        { event_type: TYPE, data: { n: 5 }, id: id("five") },
        { event_type: TYPE, data: { n: 1 }, id: id("one") },
        { event_type: TYPE, data: { other: true }, id: id("earlier") }
      ]
    })

    expect(answer.status).toBe(200)
    expect(answer.body.object).toBe("batch")
    const results = answer.body.results
    expect(results.map((result) => result.status)).toEqual([
      "accepted",
      "rejected",
      "duplicate",
      "rejected",
      "rejected",
      "accepted",
      "duplicate",
      "rejected"
    ])
    expect(results[0]!.event).toMatchObject({ object: "event", id: id("one"), event_type: TYPE, duplicate: false, deliveries: 1 })
    expect(results[2]!.event).toMatchObject({ id: id("earlier"), duplicate: true, deliveries: 0 })
    expect(results[5]!.event).toMatchObject({ id: id("five"), duplicate: false, deliveries: 1 })
    expect(results[6]!.event).toMatchObject({ id: id("one"), duplicate: true, deliveries: 0 })
    // Each refusal is the single publish's error body, its fields named with their index.
    expect(results[1]!.error).toMatchObject({ status_code: 400, error: "invalid_request", retryable: false })
    expect(results[1]!.error.details.issues[0]!.path).toEqual(["events", 1, "event_type"])
    expect(results[1]!.error.message).toMatch(/^events\[1\]\.event_type/)
    expect(results[3]!.error.details.issues[0]!.path).toEqual(["events", 3, "data"])
    expect(results[3]!.error.message).toContain("events[3].data")
    expect(results[4]!.error.details.issues[0]!.path).toEqual(["events", 4, "event_type"])
    expect(results[4]!.error.message).toContain("events[4].event_type is required")
    expect(results[7]!.error).toMatchObject({ status_code: 409, error: "conflict" })

    const received = await receiver.awaitRequests(3)
    const delivered = received
      .filter((request) => request.path === `/batch-${run}`)
      .map((request) => JSON.parse(request.body).id as string)
    expect(delivered.sort()).toEqual([id("earlier"), id("five"), id("one")].sort())
  })

  it("a batch of more than 500 events, or of none, is a 400 for the whole request", async () => {
    const over = await send("POST", "/v1/events/batch", {
      events: Array.from({ length: 501 }, (_, n) => ({ event_type: TYPE, data: { n } }))
    })
    expect(over.status).toBe(400)
    expect(over.body).toMatchObject({ status_code: 400, error: "invalid_request" })
    expect(over.body.message).toContain("events")
    const none = await send("POST", "/v1/events/batch", { events: [] })
    expect(none.status).toBe(400)
    const missing = await send("POST", "/v1/events/batch", {})
    expect(missing.status).toBe(400)
  })

  it("500 events fit, each published", async () => {
    run++
    const answer = await send("POST", "/v1/events/batch", {
      events: Array.from({ length: 500 }, (_, n) => ({ event_type: TYPE, data: { n }, id: id(`full-${n}`) }))
    })
    expect(answer.status).toBe(200)
    const results = answer.body.results
    expect(results).toHaveLength(500)
    expect(results.every((result, n) => result.status === "accepted" && result.event.id === id(`full-${n}`))).toBe(true)
  })

  it("an Idempotency-Key replays the batch's answer, and the events are stored once", async () => {
    run++
    const body = { events: [{ event_type: TYPE, data: { n: 1 }, id: id("idem-1") }, { event_type: TYPE, data: { n: 2 } }] }
    const key = `batch-${backend}-${run}`
    const first = await send("POST", "/v1/events/batch", body, key)
    const again = await send("POST", "/v1/events/batch", body, key)
    expect(first.status).toBe(200)
    expect(first.replayed).toBe(false)
    expect(first.body.results.map((result) => result.status)).toEqual(["accepted", "accepted"])
    expect(again).toMatchObject({ status: 200, replayed: true, text: first.text })
    // Without the key the batch runs again: its events are now duplicates (the generated id is a new event).
    const unkeyed = await send("POST", "/v1/events/batch", body)
    expect(unkeyed.body.results.map((result) => result.status)).toEqual(["duplicate", "accepted"])
    const reused = await send("POST", "/v1/events/batch", { events: [body.events[0]] }, key)
    expect(reused.status).toBe(422)
  })
})
