/**
 * The official Exa SDK (exa-js), unmodified, against the real app: webhooks,
 * their attempt log and the event log under `/websets/v0/`, Exa's error bodies,
 * and deliveries in Exa's envelope signed in `Exa-Signature`, checked with
 * Stripe's verifier and @herald/verify.
 */
import { TestReceiver } from "@herald/testkit"
import { verifySignature } from "@herald/verify"
import { EventType, Exa, ExaError } from "exa-js"
import Stripe from "stripe"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  let acme: Exa
  let globex: Exa
  const receivers: Array<TestReceiver.RunningReceiver> = []

  beforeAll(async () => {
    app = await start({ backend, retrySchedule: [0, 100, 100] })
    acme = new Exa(KEY_ACME, app.baseUrl)
    globex = new Exa(KEY_GLOBEX, app.baseUrl)
  })
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const receiver = async (options?: Parameters<typeof TestReceiver.start>[0]) => {
    const started = await TestReceiver.start(options)
    receivers.push(started)
    return started
  }

  /** Publishing is Herald's own endpoint, the same for every profile. */
  const publish = async (key: string, event: { event_type: string; data: unknown; id?: string }) => {
    const response = await fetch(`${app.baseUrl}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(event)
    })
    expect(response.status).toBe(202)
    return (await response.json()) as { id: string; deliveries: number }
  }

  /** The ExaError a call rejects with. */
  const failure = async (call: Promise<unknown>): Promise<ExaError> => {
    const error = await call.then(() => undefined, (error: unknown) => error)
    expect(error).toBeInstanceOf(ExaError)
    return error as ExaError
  }

  /** Polls until `done` holds (an attempt is logged just after the receiver answers). */
  const pollFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await read()
      if (done(value) || Date.now() > deadline) return value
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const url = "https://example.com/webhooks/exa"

  describe("exa-js webhooks", () => {
    it("creates an active webhook with metadata and returns its secret once", async () => {
      const created = await acme.websets.webhooks.create({
        url,
        events: [EventType.webset_created, EventType.webset_item_enriched],
        metadata: { team: "search", env: "test" }
      })
      expect(created).toMatchObject({
        object: "webhook",
        status: "active",
        url,
        events: ["webset.created", "webset.item.enriched"],
        metadata: { team: "search", env: "test" }
      })
      expect(Object.keys(created)).toEqual(
        ["id", "object", "status", "events", "url", "secret", "metadata", "createdAt", "updatedAt"]
      )
      expect(created.id).toMatch(/^wh_[0-9A-Z]{26}$/)
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
      expect(Date.parse(created.createdAt)).not.toBeNaN()
      expect(created.updatedAt).toBe(created.createdAt)

      const fetched = await acme.websets.webhooks.get(created.id)
      expect(fetched).toEqual({ ...created, secret: null })
    })

    it("defaults metadata to {} and updates events, url and metadata", async () => {
      const created = await acme.websets.webhooks.create({ url, events: [EventType.monitor_created] })
      expect(created.metadata).toEqual({})

      const updated = await acme.websets.webhooks.update(created.id, {
        events: [EventType.monitor_run_completed, EventType.import_completed],
        url: "https://example.com/other",
        metadata: { owner: "ops" }
      })
      expect(updated).toMatchObject({
        id: created.id,
        status: "active",
        url: "https://example.com/other",
        events: ["monitor.run.completed", "import.completed"],
        metadata: { owner: "ops" },
        secret: null,
        createdAt: created.createdAt
      })
      expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt))
      expect(await acme.websets.webhooks.get(created.id)).toEqual(updated)

      const partial = await acme.websets.webhooks.update(created.id, { url: "https://example.com/third" })
      expect(partial).toMatchObject({ url: "https://example.com/third", events: updated.events, metadata: { owner: "ops" } })
    })

    it("lists newest first across pages: list, listAll and getAll", async () => {
      const client = new Exa(KEY_GLOBEX, app.baseUrl)
      const before = new Set((await client.websets.webhooks.getAll()).map((webhook) => webhook.id))
      const made: Array<string> = []
      for (let i = 0; i < 7; i++) {
        made.push((await globex.websets.webhooks.create({ url: `${url}/${i}`, events: [EventType.webset_idle] })).id)
      }

      const first = await client.websets.webhooks.list({ limit: 3 })
      expect(first.data.map((webhook) => webhook.id)).toEqual(made.slice(-3).reverse())
      expect(first.hasMore).toBe(true)
      expect(first.nextCursor).toBe(first.data[2]?.id)
      expect(first.data.every((webhook) => webhook.secret === null)).toBe(true)

      const second = await client.websets.webhooks.list({ limit: 3, cursor: first.nextCursor! })
      expect(second.data.map((webhook) => webhook.id)).toEqual(made.slice(1, 4).reverse())

      const seen: Array<string> = []
      for await (const webhook of client.websets.webhooks.listAll({ limit: 2 })) seen.push(webhook.id)
      expect(seen.filter((id) => !before.has(id))).toEqual([...made].reverse())
      expect(new Set(seen).size).toBe(seen.length)
      expect((await client.websets.webhooks.getAll({ limit: 4 })).map((webhook) => webhook.id)).toEqual(seen)

      // Exa allows pages of up to 200; Herald answers at most 100 and says there is more.
      const big = await client.websets.webhooks.list({ limit: 200 })
      expect(big.data.length).toBeLessThanOrEqual(100)
      const last = await client.websets.webhooks.list({ limit: 100, cursor: made[1]! })
      expect(last.data.map((webhook) => webhook.id).filter((id) => !before.has(id))).toEqual([made[0]])
      expect(last).toMatchObject({ hasMore: false, nextCursor: null })
    })

    it("deletes, returning the webhook, after which it is a 404", async () => {
      const created = await acme.websets.webhooks.create({ url, events: [EventType.webset_deleted] })
      const deleted = await acme.websets.webhooks.delete(created.id)
      expect(deleted).toEqual({ ...created, secret: null })
      // Each call made as it is awaited: a second promise made up front rejects unobserved meanwhile.
      for (const call of [() => acme.websets.webhooks.get(created.id), () => acme.websets.webhooks.delete(created.id)]) {
        const error = await failure(call())
        expect(error.statusCode).toBe(404)
        expect(error.message).toBe(`No webhook with id ${created.id}`)
      }
    })

    it("raises ExaError with Exa's status and message: 401, 404 and 400", async () => {
      const anonymous = new Exa("hk_wrong_key_0000000000000", app.baseUrl)
      const unauthorized = await failure(anonymous.websets.webhooks.list())
      expect(unauthorized).toMatchObject({ statusCode: 401, message: "Invalid API key" })
      expect(unauthorized.requestId).toMatch(/^req_[0-9a-f]{20}$/)

      const theirs = await globex.websets.webhooks.create({ url, events: [EventType.webset_paused] })
      expect((await failure(acme.websets.webhooks.get(theirs.id))).statusCode).toBe(404)
      expect((await failure(acme.websets.webhooks.update(theirs.id, { url: "https://example.com/x" }))).statusCode).toBe(404)
      expect((await failure(acme.websets.webhooks.delete(theirs.id))).statusCode).toBe(404)
      expect((await failure(acme.websets.webhooks.listAttempts(theirs.id))).statusCode).toBe(404)
      expect((await globex.websets.webhooks.get(theirs.id)).url).toBe(url)

      const notUrl = await failure(acme.websets.webhooks.create({ url: "example dot com", events: [EventType.webset_created] }))
      expect(notUrl).toMatchObject({ statusCode: 400, message: "url must be an absolute URL" })

      const unknown = await failure(
        acme.websets.webhooks.create({ url, events: ["webset.exploded" as EventType] })
      )
      expect(unknown.statusCode).toBe(400)
      expect(unknown.message).toMatch(/^unknown event type "webset.exploded": accepted are webset.created, .* \(set by HERALD_EVENT_TYPES_EXA, or the eventTypes setting; register more with POST \/v1\/event-types\)$/)

      // A Datagrid event type is not an Exa one.
      const foreign = await failure(acme.websets.webhooks.create({ url, events: ["batch_prediction.completed" as EventType] }))
      expect(foreign.statusCode).toBe(400)

      expect((await failure(acme.websets.webhooks.create({ url, events: [] }))).statusCode).toBe(400)
      expect((await failure(acme.websets.webhooks.list({ limit: 201 }))).statusCode).toBe(400)
      expect((await failure(acme.websets.webhooks.list({ cursor: "not-a-cursor" }))).statusCode).toBe(400)
    })
  })

  describe("deliveries", () => {
    it("delivers Exa's envelope signed in Exa-Signature, verified by Stripe and @herald/verify", async () => {
      const target = await receiver()
      const webhook = await acme.websets.webhooks.create({ url: `${target.url}/exa`, events: [EventType.webset_item_created] })
      const data = { id: "witem_123", object: "webset_item", note: "ünïcødé ✓" }
      const published = await publish(KEY_ACME, { event_type: "webset.item.created", data, id: "evt_exa_signed_1" })
      expect(published.deliveries).toBe(1)

      const [request] = await target.awaitRequests(1)
      expect(request!.path).toBe("/exa")
      expect(request!.headers["content-type"]).toBe("application/json")
      const header = request!.headers["exa-signature"]!
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(request!.headers["datagrid-signature"]).toBeUndefined()
      expect(request!.headers["webhook-signature"]).toBeUndefined()

      const envelope = JSON.parse(request!.body)
      expect(Object.keys(envelope)).toEqual(["id", "object", "type", "data", "createdAt"])
      expect(envelope).toEqual({
        id: "evt_exa_signed_1",
        object: "event",
        type: "webset.item.created",
        data,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      })

      const stripe = new Stripe("sk_test_unused")
      expect(stripe.webhooks.constructEvent(request!.body, header, webhook.secret!)).toMatchObject({ id: "evt_exa_signed_1" })
      expect(() => stripe.webhooks.constructEvent(request!.body, header, "whsec_other")).toThrow()
      expect(verifySignature({ payload: request!.body, header, secret: webhook.secret! })).toMatchObject({ ok: true })
      expect(verifySignature({ payload: `${request!.body} `, header, secret: webhook.secret! })).toMatchObject({ ok: false })
    })

    it("lists attempts newest first with filters and cursor pagination", async () => {
      const target = await receiver({
        respond: TestReceiver.sequence([
          TestReceiver.reply(500, { body: "down" }),
          TestReceiver.reply(500, { body: "down" }),
          TestReceiver.reply(200, { body: "ok", headers: { "content-type": "text/plain" } })
        ])
      })
      const webhook = await acme.websets.webhooks.create({ url: `${target.url}/flaky`, events: [EventType.monitor_run_created] })
      const { id } = await publish(KEY_ACME, { event_type: "monitor.run.created", data: { run: 1 } })
      await target.awaitRequests(3)

      const all = await pollFor(() => acme.websets.webhooks.listAttempts(webhook.id), (page) => page.data.length === 3)
      expect(all.hasMore).toBe(false)
      expect(all.nextCursor).toBeNull()
      expect(all.data.map((attempt) => [attempt.attempt, attempt.responseStatusCode, attempt.successful])).toEqual([
        [3, 200, true],
        [2, 500, false],
        [1, 500, false]
      ])
      const [newest] = all.data
      expect(Object.keys(newest!).sort()).toEqual(
        [
          "attempt",
          "attemptedAt",
          "eventId",
          "eventType",
          "id",
          "object",
          "responseBody",
          "responseHeaders",
          "responseStatusCode",
          "successful",
          "url",
          "webhookId"
        ]
      )
      expect(newest).toMatchObject({
        object: "webhook_attempt",
        eventId: id,
        eventType: "monitor.run.created",
        webhookId: webhook.id,
        url: `${target.url}/flaky`,
        responseBody: "ok",
        responseHeaders: expect.objectContaining({ "content-type": "text/plain" })
      })
      expect(all.data[2]).toMatchObject({ responseStatusCode: 500, responseBody: "down", successful: false })
      expect(Date.parse(newest!.attemptedAt)).not.toBeNaN()

      const failed = await acme.websets.webhooks.listAttempts(webhook.id, { successful: false })
      expect(failed.data.map((attempt) => attempt.attempt)).toEqual([2, 1])
      const succeeded = await acme.websets.webhooks.listAttempts(webhook.id, { successful: true })
      expect(succeeded.data.map((attempt) => attempt.attempt)).toEqual([3])
      const otherType = await acme.websets.webhooks.listAttempts(webhook.id, { eventType: EventType.webset_created })
      expect(otherType.data).toEqual([])
      const sameType = await acme.websets.webhooks.listAttempts(webhook.id, { eventType: EventType.monitor_run_created })
      expect(sameType.data).toHaveLength(3)

      const page1 = await acme.websets.webhooks.listAttempts(webhook.id, { limit: 2 })
      expect(page1.data.map((attempt) => attempt.attempt)).toEqual([3, 2])
      expect(page1.hasMore).toBe(true)
      const page2 = await acme.websets.webhooks.listAttempts(webhook.id, { limit: 2, cursor: page1.nextCursor! })
      expect(page2.data.map((attempt) => attempt.attempt)).toEqual([1])
      expect(page2).toMatchObject({ hasMore: false, nextCursor: null })

      const everything = await acme.websets.webhooks.getAllAttempts(webhook.id, { limit: 1 })
      expect(everything.map((attempt) => attempt.id)).toEqual(all.data.map((attempt) => attempt.id))
      const walked: Array<number> = []
      for await (const attempt of acme.websets.webhooks.listAllAttempts(webhook.id, { limit: 1, successful: false })) {
        walked.push(attempt.attempt)
      }
      expect(walked).toEqual([2, 1])
    })

    it("shows an auto-disabled webhook as inactive", async () => {
      const target = await receiver({ respond: TestReceiver.always(TestReceiver.gone) })
      const webhook = await acme.websets.webhooks.create({ url: `${target.url}/gone`, events: [EventType.webset_export_completed] })
      await publish(KEY_ACME, { event_type: "webset.export.completed", data: {} })
      await target.awaitRequests(1)
      const fetched = await pollFor(() => acme.websets.webhooks.get(webhook.id), (hook) => hook.status === "inactive")
      expect(fetched.status).toBe("inactive")
    })
  })

  describe("exa-js events", () => {
    it("lists events newest first with types and pagination, and gets one", async () => {
      const client = new Exa(KEY_GLOBEX, app.baseUrl)
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) {
        const type = i % 2 === 0 ? "webset.search.completed" : "webset.search.canceled"
        ids.push((await publish(KEY_GLOBEX, { event_type: type, data: { i }, id: `evt_exa_list_${backend}_${i}` })).id)
        // Distinct creation times, so newest-first is one order.
        await new Promise((resolve) => setTimeout(resolve, 5))
      }

      const first = await client.websets.events.list({ limit: 2 })
      expect(first.data.map((event) => event.id)).toEqual([ids[4], ids[3]])
      expect(first.hasMore).toBe(true)
      expect(first.data[0]).toEqual({
        id: ids[4],
        object: "event",
        type: "webset.search.completed",
        data: { i: 4 },
        createdAt: expect.any(String)
      })
      const second = await client.websets.events.list({ limit: 2, cursor: first.nextCursor! })
      expect(second.data.map((event) => event.id)).toEqual([ids[2], ids[1]])

      const completed = await client.websets.events.getAll({ types: [EventType.webset_search_completed], limit: 1 })
      expect(completed.map((event) => event.id)).toEqual([ids[4], ids[2], ids[0]])
      const both = await client.websets.events.getAll({
        types: [EventType.webset_search_completed, EventType.webset_search_canceled]
      })
      expect(both.map((event) => event.id)).toEqual([...ids].reverse())
      const walked: Array<string> = []
      for await (const event of client.websets.events.listAll({ limit: 2 })) walked.push(event.id)
      expect(walked.slice(0, 5)).toEqual([...ids].reverse())

      expect(await client.websets.events.get(ids[1]!)).toMatchObject({ id: ids[1], type: "webset.search.canceled", data: { i: 1 } })
      expect((await failure(acme.websets.events.get(ids[1]!))).statusCode).toBe(404)
      expect((await failure(client.websets.events.get("evt_never"))).statusCode).toBe(404)
      expect((await failure(client.websets.events.list({ cursor: "garbage" }))).statusCode).toBe(400)
    })
  })
})
