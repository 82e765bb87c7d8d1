/**
 * The Promise client of `@herald/client` against the real app, on every
 * backend: what it sends is what the contract takes and what the app answers
 * is what it decodes (publish, read back, redeliver, attempts, secrets,
 * recovery, the catalog, a portal session), and a refusal arrives as its
 * `HeraldError` subclass with the body's fields.
 */
import {
  createClient,
  HeraldAuthenticationError,
  HeraldBadRequestError,
  HeraldConnectionError,
  HeraldNotFoundError,
  HeraldPermissionError
} from "@herald/client"
import type { ApiKeys, Ids } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const KEY_ACME_READ = "hk_test_acme_read_0123456789abcdef"

/** Polls `read` until `done` holds of its answer (the attempt log is written just after the receiver answers). */
const eventually = async <A>(read: () => Promise<A>, done: (value: A) => boolean): Promise<A> => {
  for (let tries = 0; tries < 200; tries++) {
    const value = await read()
    if (done(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("the condition never held")
}

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => expect.fail("expected a rejection"), (error: unknown) => error)

describe.each(backends)("the Promise client on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  let herald: ReturnType<typeof createClient>

  beforeAll(async () => {
    app = await start({
      backend,
      apiKeys: [[Redacted.make(KEY_ACME_READ), "acme" as Ids.TeamspaceId, ["read"]] satisfies ApiKeys.SeedKey]
    })
    // Deliveries to /failing fail every time (and are given up after the harness's three attempts).
    receiver = await TestReceiver.start({
      respond: (request) => TestReceiver.reply(request.path.startsWith("/failing") ? 500 : 200)
    })
    herald = createClient({ url: app.baseUrl, apiKey: KEY_ACME })
  })
  afterAll(async () => {
    await receiver?.close()
    await app?.close()
  })

  it("publishes, reads the event back with its delivery, redelivers it and lists the attempts", async () => {
    const webhook = await herald.webhooks.create({ url: `${receiver.url}/ok`, events: ["batch_prediction.completed"] })
    expect(webhook).toMatchObject({ object: "webhook", url: `${receiver.url}/ok`, enabled: true })
    expect(webhook.secret).toMatch(/^whsec_/)
    await expect(herald.webhooks.get(webhook.id)).resolves.not.toHaveProperty("secret")

    const published = await herald.events.publish({ event_type: "batch_prediction.completed", data: { batch: "nightly" } })
    expect(published).toMatchObject({ object: "event", event_type: "batch_prediction.completed", duplicate: false, deliveries: 1 })

    const event = await eventually(() => herald.events.get(published.id), (event) => event.deliveries[0]?.status === "succeeded")
    expect(event).toMatchObject({
      object: "event",
      id: published.id,
      data: { batch: "nightly" },
      deliveries: [{ webhook_id: webhook.id, status: "succeeded", attempts: 1, next_attempt_at: null }]
    })

    await expect(herald.events.redeliver(published.id)).resolves.toEqual({ object: "requeued", deliveries: 1 })
    const attempts = await eventually(
      () => herald.webhooks.attempts(webhook.id, { successful: true }),
      (page) => page.data.length === 2
    )
    expect(attempts.data.map((attempt) => [attempt.event_id, attempt.successful, attempt.response_status_code])).toEqual([
      [published.id, true, 200],
      [published.id, true, 200]
    ])
    expect(attempts.next_cursor).toBeNull()
  })

  it("rotates a secret: the new one is the one signing, the old one still signs for the overlap", async () => {
    const webhook = await herald.webhooks.create({ url: `${receiver.url}/rotated`, events: ["batch_prediction.completed"] })

    const rotated = await herald.webhooks.rotateSecret(webhook.id, { overlap_seconds: 60 })

    expect(rotated).toMatchObject({ object: "webhook_secret", webhook_id: webhook.id })
    expect(rotated.secret).toMatch(/^whsec_/)
    expect(rotated.secret).not.toBe(webhook.secret)
    expect(rotated.previous_secret_expires_at).not.toBeNull()
    await expect(herald.webhooks.getSecret(webhook.id)).resolves.toMatchObject({ secret: rotated.secret })
  })

  it("recovers a webhook's given-up deliveries since a time", async () => {
    const since = new Date(Date.now() - 1_000)
    const webhook = await herald.webhooks.create({ url: `${receiver.url}/failing`, events: ["batch_prediction.failed"] })
    const published = await herald.events.publish({ event_type: "batch_prediction.failed", data: {} })
    await eventually(() => herald.events.get(published.id), (event) => event.deliveries[0]?.status === "failed")
    const attemptsBefore = receiver.requests().filter((request) => request.path === "/failing").length

    await expect(herald.webhooks.recover(webhook.id, { since })).resolves.toEqual({ object: "requeued", deliveries: 1 })
    await receiver.awaitRequests(receiver.requests().length + 1)
    expect(receiver.requests().filter((request) => request.path === "/failing").length).toBeGreaterThan(attemptsBefore)
  })

  it("reads the event type catalog", async () => {
    const catalog = await herald.eventTypes.list()
    expect(catalog.data.map((type) => type.name)).toContain("batch_prediction.completed")
    await expect(herald.eventTypes.get("batch_prediction.completed")).resolves.toMatchObject({
      object: "event_type",
      name: "batch_prediction.completed",
      archived: false
    })
  })

  it("opens a portal session", async () => {
    const session = await herald.portal.createSession({ read_only: true, expires_in: 600 })
    expect(session).toMatchObject({ object: "portal_session", teamspace: "acme", read_only: true })
    expect(session.url).toContain("/portal/#token=")
    expect(session.token).toMatch(/^hps_/)
  })

  it("rejects an unknown event with a HeraldNotFoundError", async () => {
    const error = await rejection(herald.events.get("evt_no_such_event"))
    expect(error).toBeInstanceOf(HeraldNotFoundError)
    expect(error).toMatchObject({ status: 404, code: "not_found", retryable: false })
    expect((error as HeraldNotFoundError).requestId).toMatch(/^req_/)
  })

  it("rejects invalid input with a HeraldBadRequestError naming the field", async () => {
    const error = await rejection(herald.webhooks.create({ url: "not a url", events: ["batch_prediction.completed"] }))
    expect(error).toBeInstanceOf(HeraldBadRequestError)
    expect(error).toMatchObject({ status: 400, code: "invalid_request", details: { issues: [{ path: ["url"] }] } })
  })

  it("rejects an unknown API key with a HeraldAuthenticationError, a missing scope with a HeraldPermissionError", async () => {
    const unknown = await rejection(createClient({ url: app.baseUrl, apiKey: "hk_test_nobody" }).webhooks.list())
    expect(unknown).toBeInstanceOf(HeraldAuthenticationError)
    expect(unknown).toMatchObject({ status: 401, code: "unauthorized" })

    const readOnly = await rejection(
      createClient({ url: app.baseUrl, apiKey: KEY_ACME_READ }).events.publish({ event_type: "batch_prediction.completed", data: {} })
    )
    expect(readOnly).toBeInstanceOf(HeraldPermissionError)
    expect(readOnly).toMatchObject({ status: 403, code: "forbidden" })
  })

  it("rejects with a HeraldConnectionError naming the URL when nothing listens there", async () => {
    const error = await rejection(createClient({ url: "http://127.0.0.1:1", apiKey: KEY_ACME }).webhooks.list())
    expect(error).toBeInstanceOf(HeraldConnectionError)
    expect((error as Error).message).toContain("GET http://127.0.0.1:1/v1/webhooks")
  })
})
