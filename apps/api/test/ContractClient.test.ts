/**
 * A client derived from the contract (`HttpApiClient.make(HeraldApi)`, imported
 * from `@herald/http` as any client would) against the real app: its requests
 * and the app's answers agree with the schemas in both directions, and a
 * documented error arrives as its typed class.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { DatagridErrors, HeraldApi } from "@herald/http"
import { TestReceiver } from "@herald/testkit"
import { Effect, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

let app: RunningApp
let receiver: TestReceiver.RunningReceiver
beforeAll(async () => {
  app = await start()
  receiver = await TestReceiver.start()
})
afterAll(async () => {
  await receiver.close()
  await app.close()
})

/** A client of the app, authenticated as `key`. */
const heraldClient = (key: string) =>
  HttpApiClient.make(HeraldApi, {
    baseUrl: app.baseUrl,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(key))
  })

const run = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, FetchHttpClient.layer))

describe("a client derived from the contract", () => {
  it("subscribes, publishes, reads the event back with its delivery, and lists webhooks", async () => {
    const { webhook, published, event, listed } = await run(
      Effect.gen(function*() {
        const client = yield* heraldClient(KEY_ACME)
        const webhook = yield* client.webhooks.create({
          payload: { url: `${receiver.url}/client`, events: ["batch_prediction.completed"] }
        })
        const published = yield* client.events.publish({
          payload: { event_type: "batch_prediction.completed", data: { batch: "nightly" }, id: "evt_client_1" }
        })
        yield* Effect.promise(() => receiver.awaitRequests(1))
        // The attempt is logged just after the receiver answers.
        const event = yield* client.deliveries.retrieveEvent({ path: { event_id: published.id } }).pipe(
          Effect.filterOrFail((event) => event.deliveries[0]?.status === "succeeded"),
          Effect.retry({ times: 100, schedule: Schedule.spaced("20 millis") })
        )
        const listed = yield* client.webhooks.list({ urlParams: {} })
        return { webhook, published, event, listed }
      })
    )

    expect(webhook).toMatchObject({ object: "webhook", url: `${receiver.url}/client`, enabled: true })
    expect(webhook.secret).toMatch(/^whsec_/)
    expect(published).toMatchObject({ object: "event", id: "evt_client_1", duplicate: false, deliveries: 1 })
    expect(event).toMatchObject({
      object: "event",
      id: "evt_client_1",
      event_type: "batch_prediction.completed",
      data: { batch: "nightly" },
      deliveries: [{ webhook_id: webhook.id, status: "succeeded", attempts: 1, next_attempt_at: null }]
    })
    expect(listed.data.map((item) => item.id)).toContain(webhook.id)
    expect(listed.data.find((item) => item.id === webhook.id)).not.toHaveProperty("secret")
  })

  it("gets an unknown event's 404 as the NotFound class", async () => {
    const error = await run(
      Effect.flatMap(heraldClient(KEY_ACME), (client) =>
        Effect.flip(client.deliveries.retrieveEvent({ path: { event_id: "evt_no_such_event" } })))
    )
    expect(error).toBeInstanceOf(DatagridErrors.NotFound)
    expect(error).toMatchObject({ status_code: 404, error: "not_found", retryable: false })
  })
})
