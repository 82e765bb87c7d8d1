/**
 * `herald listen`'s routes through the real app on every backend, spoken as
 * the CLI speaks them: open a listener, read its event stream, answer a
 * delivery, close it. The delivery on the stream is the signed request a URL
 * would get; the answer is the attempt's logged response; an answer twice, or
 * for no delivery, is a 404; the routes are for API keys with webhooks:write
 * only; nothing but this route makes a `herald-listen://` URL; with no stream
 * attached the attempt fails as a connection failure and is retried.
 */
import type { ApiKeys, Ids } from "@herald/core"
import { verifySignature } from "@herald/verify"
import { createParser } from "eventsource-parser"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

const KEY_ACME_READ = "hk_test_acme_listen_read_0123456789"
const EVENT_TYPE = "batch_prediction.completed"

interface Opened {
  readonly id: string
  readonly webhook_id: string
  readonly profile: string
  readonly events: ReadonlyArray<string>
  readonly secret: string
  readonly lease_seconds: number
}

interface StreamedDelivery {
  readonly id: string
  readonly webhook_id: string
  readonly event_id: string
  readonly event_type: string
  readonly attempt: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** A listener's open stream: the events it sent so far, a wait for the next of a name, and a way to hang up. */
const openStream = async (baseUrl: string, key: string, id: string) => {
  const controller = new AbortController()
  const response = await fetch(`${baseUrl}/v1/listeners/${id}/stream`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal
  })
  const events: Array<{ readonly event: string; readonly data: string }> = []
  const parser = createParser({ onEvent: (event) => events.push({ event: event.event ?? "message", data: event.data }) })
  const reading = (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }))
  })().catch(() => undefined)
  /** The data of the `index`-th event named `name`, once it has come. */
  const next = async (name: string, index = 0): Promise<unknown> => {
    for (let waited = 0; waited < 20_000; waited += 20) {
      const found = events.filter((event) => event.event === name)[index]
      if (found !== undefined) return JSON.parse(found.data)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`no ${name} event #${index} on the stream; got ${JSON.stringify(events)}`)
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    next,
    close: async () => {
      controller.abort()
      await reading
    },
    ended: reading
  }
}

describe.each(backends)("herald listen's routes on %s", (backend) => {
  let app: RunningApp

  beforeAll(async () => {
    app = await start({
      backend,
      apiKeys: [[Redacted.make(KEY_ACME_READ), "acme" as Ids.TeamspaceId, ["read"]] satisfies ApiKeys.SeedKey]
    })
  }, 120_000)
  afterAll(async () => {
    await app.close()
  })

  const call = async (method: string, path: string, body?: unknown, key = KEY_ACME) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) as Record<string, unknown> }
  }

  const attemptsOf = async (webhookId: string, eventId: string, count: number) => {
    for (let tries = 0; tries < 200; tries++) {
      const listed = await call("GET", `/v1/webhooks/${webhookId}/attempts?limit=100`)
      const mine = (listed.body!["data"] as ReadonlyArray<Record<string, unknown>>).filter((attempt) => attempt["event_id"] === eventId)
      if (mine.length >= count) return mine
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`fewer than ${count} attempts of ${eventId} were logged`)
  }

  it("streams a signed delivery, logs the answer as the attempt's response, and closes", async () => {
    const opened = await call("POST", "/v1/listeners", { events: [EVENT_TYPE] })
    expect(opened.status).toBe(201)
    const listener = opened.body as unknown as Opened
    expect(listener).toMatchObject({ object: "listener", profile: "datagrid", events: [EVENT_TYPE], lease_seconds: 30 })
    expect(listener.id).toMatch(/^lst_/)
    expect(listener.secret).toMatch(/^whsec_/)
    const webhook = await call("GET", `/v1/webhooks/${listener.webhook_id}`)
    expect(webhook.body).toMatchObject({ url: `herald-listen://${listener.id}` })

    const stream = await openStream(app.baseUrl, KEY_ACME, listener.id)
    expect(stream.status).toBe(200)
    expect(stream.contentType).toContain("text/event-stream")
    expect(await stream.next("ready")).toEqual({ listener_id: listener.id })

    const eventId = `evt_listen_${backend.replace("-", "_")}`
    expect((await call("POST", "/v1/events", { id: eventId, event_type: EVENT_TYPE, data: { batch: "nightly" } })).status).toBe(202)
    const delivery = await stream.next("delivery") as StreamedDelivery
    expect(delivery).toMatchObject({ webhook_id: listener.webhook_id, event_id: eventId, event_type: EVENT_TYPE, attempt: 1 })
    expect(JSON.parse(delivery.body)).toMatchObject({ id: eventId, event_type: EVENT_TYPE, data: { batch: "nightly" } })
    expect(verifySignature({ payload: delivery.body, header: delivery.headers["Datagrid-Signature"], secret: listener.secret }))
      .toMatchObject({ ok: true })

    // Both or neither of status and error: refused, naming what to send.
    const both = await call("POST", `/v1/listeners/${listener.id}/answers`, { delivery_id: delivery.id, status: 200, error: "x" })
    expect(both.status).toBe(400)
    expect(both.body!["message"]).toContain("either status")

    const answered = await call("POST", `/v1/listeners/${listener.id}/answers`, {
      delivery_id: delivery.id,
      status: 202,
      headers: { "X-Local": "yes" },
      body: "accepted locally"
    })
    expect(answered.status).toBe(204)
    const [attempt] = await attemptsOf(listener.webhook_id, eventId, 1)
    expect(attempt).toMatchObject({
      successful: true,
      response_status_code: 202,
      response_headers: { "x-local": "yes" },
      response_body: "accepted locally",
      url: `herald-listen://${listener.id}`
    })
    // Answered already: nothing waits for it.
    expect((await call("POST", `/v1/listeners/${listener.id}/answers`, { delivery_id: delivery.id, status: 200 })).status).toBe(404)

    expect((await call("DELETE", `/v1/listeners/${listener.id}`)).status).toBe(204)
    expect((await call("GET", `/v1/webhooks/${listener.webhook_id}`)).status).toBe(404)
    expect((await call("DELETE", `/v1/listeners/${listener.id}`)).status).toBe(404)
    await stream.close()
  })

  it("an unreachable local URL and a missing stream are failed attempts, retried on schedule", async () => {
    const listener = (await call("POST", "/v1/listeners", { events: [EVENT_TYPE] })).body as unknown as Opened
    const eventId = `evt_listen_fail_${backend.replace("-", "_")}`
    const stream = await openStream(app.baseUrl, KEY_ACME, listener.id)
    await stream.next("ready")
    expect((await call("POST", "/v1/events", { id: eventId, event_type: EVENT_TYPE, data: {} })).status).toBe(202)
    const first = await stream.next("delivery") as StreamedDelivery
    const unreachable = await call("POST", `/v1/listeners/${listener.id}/answers`, {
      delivery_id: first.id,
      error: "http://localhost:3000/hooks: connect ECONNREFUSED 127.0.0.1:3000"
    })
    expect(unreachable.status).toBe(204)
    // Retried (the schedule is 0, 100, 100 ms): the next attempt comes on the stream; hang up instead of answering.
    const second = await stream.next("delivery", 1) as StreamedDelivery
    expect(second.attempt).toBe(2)
    await stream.close()
    const attempts = await attemptsOf(listener.webhook_id, eventId, 2)
    const byNumber = new Map(attempts.map((attempt) => [attempt["attempt"], attempt]))
    expect(byNumber.get(1)).toMatchObject({ successful: false, failure: "connection" })
    expect(String(byNumber.get(1)!["failure_message"])).toContain("ECONNREFUSED 127.0.0.1:3000")
    // The second waited for an answer until the delivery timeout, or failed at once once the stream was gone.
    const third = (await attemptsOf(listener.webhook_id, eventId, 3)).find((attempt) => attempt["attempt"] === 3)
    expect(third).toMatchObject({ successful: false })
    expect(["connection", "timeout"]).toContain(third!["failure"])
    expect((await call("DELETE", `/v1/listeners/${listener.id}`)).status).toBe(204)
  }, 30_000)

  it("closing a listener leaves its webhook alone once it was re-pointed at a URL (an ordinary webhook now)", async () => {
    const listener = (await call("POST", "/v1/listeners", { events: [EVENT_TYPE] })).body as unknown as Opened
    expect((await call("PATCH", `/v1/webhooks/${listener.webhook_id}`, { url: "http://127.0.0.1:9/hooks" })).status).toBe(200)
    expect((await call("DELETE", `/v1/listeners/${listener.id}`)).status).toBe(204)
    expect((await call("GET", `/v1/webhooks/${listener.webhook_id}`)).body).toMatchObject({ url: "http://127.0.0.1:9/hooks" })
    expect((await call("DELETE", `/v1/webhooks/${listener.webhook_id}`)).status).toBe(204)
  })

  it("refuses what it must: another teamspace's listener, a read key, an unknown profile or type, a herald-listen URL anywhere else", async () => {
    const listener = (await call("POST", "/v1/listeners", {})).body as unknown as Opened
    // Every type of the default profile's catalog when none is named.
    expect(listener.events).toContain(EVENT_TYPE)
    expect(listener.events.length).toBeGreaterThan(1)

    const foreign = await openStream(app.baseUrl, KEY_GLOBEX, listener.id)
    expect(foreign.status).toBe(404)
    await foreign.close()
    expect((await call("DELETE", `/v1/listeners/${listener.id}`, undefined, KEY_GLOBEX)).status).toBe(404)
    expect((await call("POST", "/v1/listeners", {}, KEY_ACME_READ)).status).toBe(403)

    const badProfile = await call("POST", "/v1/listeners", { profile: "nope" })
    expect(badProfile.status).toBe(400)
    expect(badProfile.body!["message"]).toContain("profile must be one of datagrid")
    expect((await call("POST", "/v1/listeners", { events: ["no.such.type"] })).status).toBe(400)

    const disguised = await call("POST", "/v1/webhooks", { url: `herald-listen://${listener.id}`, events: [EVENT_TYPE] })
    expect(disguised.status).toBe(400)
    expect(JSON.stringify(disguised.body)).toContain("url must use http or https")

    const longName = await call("POST", `/v1/listeners/${listener.id}/answers`, {
      delivery_id: "x",
      status: 200,
      headers: { ["x".repeat(300)]: "y" }
    })
    expect(longName.status).toBe(400)
    expect(longName.body!["message"]).toContain("a header name may have at most 256 characters")

    const session = await call("POST", "/v1/portal/sessions", {})
    const asSession = await call("POST", "/v1/listeners", {}, String(session.body!["token"]))
    expect(asSession.status).toBe(403)
    expect(asSession.body!["message"]).toContain("portal session")
    expect((await call("DELETE", `/v1/listeners/${listener.id}`)).status).toBe(204)
  })
})
