/**
 * `HERALD_MAX_EVENT_DATA_BYTES` is the one limit on an event's data, read by
 * core's Publisher: raised above the former fixed 256 KiB, a larger event is
 * accepted and delivered; over it, a 413 in every path. A limit the request
 * body limit could never carry is refused at start.
 */
import { TestReceiver } from "@herald/testkit"
import { ConfigProvider, Effect, Either } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { Environment } from "@herald/runtime"
import { KEY_ACME, backends, lenientProtection, type RunningApp, start } from "./support/Harness.js"

const LIMIT = 512 * 1024

const readConfig = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.either(Environment.read().pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))
  )

/** A publish body whose `data` is exactly `bytes` bytes as JSON. */
const eventOf = (bytes: number, id: string) => {
  const data = { blob: "" }
  data.blob = "d".repeat(bytes - Buffer.byteLength(JSON.stringify(data)))
  return JSON.stringify({ id, event_type: "batch_prediction.completed", data })
}

describe.each(backends)("HERALD_MAX_EVENT_DATA_BYTES raised, on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  beforeAll(async () => {
    // As a user sets it: through the environment, read by the app's own config.
    const config = Either.getOrThrow(readConfig({ HERALD_MAX_EVENT_DATA_BYTES: String(LIMIT) }))
    if (config.role === "worker") throw new Error("the default role serves HTTP")
    app = await start({
      backend,
      eventLimits: config.settings.eventLimits,
      protection: { ...lenientProtection, requestLimits: config.protection.requestLimits }
    })
    receiver = await TestReceiver.start()
  })
  afterEach(() => receiver.clear())
  afterAll(async () => {
    await receiver.close()
    await app.close()
  })

  const post = (path: string, body: string) =>
    fetch(`${app.baseUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
      body
    })

  it(`a 300 KiB event is accepted and delivered; one byte over the limit is a 413`, async () => {
    const created = await post("/v1/webhooks", JSON.stringify({ url: `${receiver.url}/hooks`, events: ["batch_prediction.completed"] }))
    expect(created.status).toBe(201)
    const { id: webhookId } = await created.json() as { id: string }

    const accepted = await post("/v1/events", eventOf(300 * 1024, `evt_big_${backend}`))
    expect(accepted.status).toBe(202)
    const [delivery] = await receiver.awaitRequests(1, 15_000)
    const envelope = JSON.parse(delivery!.body) as { data: { blob: string } }
    expect(Buffer.byteLength(JSON.stringify(envelope.data))).toBe(300 * 1024)

    const over = await post("/v1/events", eventOf(LIMIT + 1, `evt_over_${backend}`))
    expect(over.status).toBe(413)
    expect(await over.json()).toEqual({
      status_code: 413,
      error: "payload_too_large",
      message: `The event data is ${LIMIT + 1} bytes as JSON, more than the ${LIMIT} an event may carry`,
      retryable: false,
      mitigation: "Publish less data, e.g. an id the receiver can fetch the rest with."
    })
    const stored = await fetch(`${app.baseUrl}/v1/events/evt_over_${backend}`, { headers: { authorization: `Bearer ${KEY_ACME}` } })
    expect(stored.status).toBe(404)
    await fetch(`${app.baseUrl}/v1/webhooks/${webhookId}`, { method: "DELETE", headers: { authorization: `Bearer ${KEY_ACME}` } })
  })
})

describe("HERALD_MAX_EVENT_DATA_BYTES and HERALD_MAX_BODY_BYTES", () => {
  it("a data limit over the body limit, which must carry the data, is refused at start naming both", () => {
    const result = readConfig({ HERALD_MAX_EVENT_DATA_BYTES: String(2 * 1024 * 1024) })
    const message = Either.isLeft(result) ? String(result.left) : "(accepted)"
    expect(message).toContain("HERALD_MAX_EVENT_DATA_BYTES")
    expect(message).toContain("HERALD_MAX_BODY_BYTES")
    expect(Either.isRight(readConfig({ HERALD_MAX_EVENT_DATA_BYTES: String(2 * 1024 * 1024), HERALD_MAX_BODY_BYTES: String(4 * 1024 * 1024) })))
      .toBe(true)
  })
})
