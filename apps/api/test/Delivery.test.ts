/**
 * Publish -> signed delivery to a real HTTP receiver, through the real app:
 * signatures verify with @herald/verify and with Stripe's verifier, failures are
 * retried with the same event id, and only enabled matching webhooks of the
 * publisher's teamspace receive anything.
 */
import { TestReceiver } from "@herald/testkit"
import { verifySignature } from "@herald/verify"
import Stripe from "stripe"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, KEY_GLOBEX, backends, type RunningApp, start } from "./support/Harness.js"

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []
  /** Webhooks a test made, removed after it so they cannot match the next test's events. */
  const webhooks: Array<{ readonly key: string; readonly id: string }> = []

  beforeAll(async () => {
    app = await start({ retrySchedule: [0, 100, 100], backend })
  })
  afterEach(async () => {
    for (const { key, id } of webhooks.splice(0)) {
      await fetch(`${app.baseUrl}/v1/webhooks/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${key}` } })
    }
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const receiver = async (options?: Parameters<typeof TestReceiver.start>[0]) => {
    const started = await TestReceiver.start(options)
    receivers.push(started)
    return started
  }

  const api = async <T = Record<string, unknown>>(key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return (response.status === 204 ? undefined : await response.json()) as T
  }

  interface Created {
    readonly id: string
    readonly secret: string
  }

  const subscribe = async (key: string, url: string, events: ReadonlyArray<string>) => {
    const created = await api<Created>(key, "POST", "/v1/webhooks", { url, events })
    webhooks.push({ key, id: created.id })
    return created
  }

  const publish = (key: string, event: { event_type: string; data: unknown; id?: string }) =>
    api<{ id: string; deliveries: number; duplicate: boolean }>(key, "POST", "/v1/events", event)

  /** Polls until `done` holds (the attempt is logged just after the receiver answers). */
  const pollFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await read()
      if (done(value) || Date.now() > deadline) return value
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Lets any delivery that was going to happen arrive; used only before asserting absence. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 750))

  describe("delivery", () => {
    it("delivers a signed Datagrid envelope that verifies with @herald/verify and Stripe", async () => {
      const target = await receiver()
      const webhook = await subscribe(KEY_ACME, `${target.url}/hooks`, ["batch_prediction.completed"])
      const data = { object: "batch_prediction", id: "bpred_abc123", status: "completed", note: "ünïcødé ✓" }
      const published = await publish(KEY_ACME, { event_type: "batch_prediction.completed", data, id: "evt_signed_1" })
      expect(published).toMatchObject({ id: "evt_signed_1", deliveries: 1, duplicate: false })

      const [request] = await target.awaitRequests(1)
      expect(request!.method).toBe("POST")
      expect(request!.path).toBe("/hooks")
      expect(request!.headers["content-type"]).toBe("application/json")
      expect(request!.headers["user-agent"]).toMatch(/^Herald-Webhooks\/\d+\.\d+\.\d+/)
      const header = request!.headers["datagrid-signature"] as string
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)

      const envelope = JSON.parse(request!.body)
      expect(envelope).toEqual({ id: "evt_signed_1", event_type: "batch_prediction.completed", timestamp: expect.any(Number), data })
      expect(Object.keys(envelope)).toEqual(["id", "event_type", "timestamp", "data"])
      expect(header.startsWith(`t=${envelope.timestamp},`)).toBe(true)

      expect(verifySignature({ payload: request!.body, header, secret: webhook.secret })).toMatchObject({ ok: true })
      expect(verifySignature({ payload: request!.body + " ", header, secret: webhook.secret })).toMatchObject({ ok: false })
      expect(verifySignature({ payload: request!.body, header, secret: "whsec_other" })).toMatchObject({ ok: false })

      const stripe = new Stripe("sk_test_unused")
      expect(stripe.webhooks.constructEvent(request!.body, header, webhook.secret)).toMatchObject({ id: "evt_signed_1" })
    })

    it("retries failures with the same event id until the receiver answers 2xx", async () => {
      const target = await receiver({ respond: TestReceiver.statuses([500, 500, 200]) })
      await subscribe(KEY_ACME, `${target.url}/flaky`, ["batch_prediction.failed"])
      const { id } = await publish(KEY_ACME, { event_type: "batch_prediction.failed", data: { attempt: "any" } })

      const requests = await target.awaitRequests(3)
      expect(requests.map((request) => JSON.parse(request.body).id)).toEqual([id, id, id])
      await settle()
      expect(await target.requests()).toHaveLength(3)
    })

    it("logs every attempt: GET /v1/webhooks/{id}/attempts pages newest first, filters, and the event shows its status", async () => {
      const target = await receiver({ respond: TestReceiver.statuses([500, 500, 200]) })
      const webhook = await subscribe(KEY_ACME, `${target.url}/logged`, ["batch_prediction.failed"])
      const { id } = await publish(KEY_ACME, { event_type: "batch_prediction.failed", data: { logged: true } })
      await target.awaitRequests(3)

      type AttemptList = { data: Array<Record<string, unknown>>; next_cursor: string | null }
      const attemptsPath = `/v1/webhooks/${webhook.id}/attempts`
      const all = await pollFor(() => api<AttemptList>(KEY_ACME, "GET", attemptsPath), (list) => list.data.length === 3)
      expect(all.data.map((attempt) => [attempt["attempt"], attempt["response_status_code"], attempt["successful"]])).toEqual([
        [3, 200, true],
        [2, 500, false],
        [1, 500, false]
      ])
      expect(all.data[0]).toMatchObject({
        object: "webhook_attempt",
        webhook_id: webhook.id,
        event_id: id,
        event_type: "batch_prediction.failed",
        url: `${target.url}/logged`,
        failure: null,
        next_attempt_at: null
      })
      expect(all.data[2]).toMatchObject({ failure: "http_status", next_attempt_at: expect.any(String) })
      expect(all.next_cursor).toBeNull()

      const first = await api<AttemptList>(KEY_ACME, "GET", `${attemptsPath}?limit=2`)
      expect(first.data.map((attempt) => attempt["attempt"])).toEqual([3, 2])
      const second = await api<AttemptList>(KEY_ACME, "GET", `${attemptsPath}?limit=2&cursor=${first.next_cursor}`)
      expect(second.data.map((attempt) => attempt["attempt"])).toEqual([1])
      expect(second.next_cursor).toBeNull()
      const failures = await api<AttemptList>(KEY_ACME, "GET", `${attemptsPath}?successful=false`)
      expect(failures.data.map((attempt) => attempt["attempt"])).toEqual([2, 1])
      const otherType = await api<AttemptList>(KEY_ACME, "GET", `${attemptsPath}?event_type=batch_prediction.completed`)
      expect(otherType.data).toEqual([])

      const event = await api(KEY_ACME, "GET", `/v1/events/${id}`)
      expect(event).toMatchObject({
        object: "event",
        id,
        event_type: "batch_prediction.failed",
        data: { logged: true },
        deliveries: [{ webhook_id: webhook.id, status: "succeeded", attempts: 3, next_attempt_at: null }]
      })

      for (const path of [attemptsPath, `/v1/events/${id}`]) {
        const response = await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY_GLOBEX}` } })
        expect(response.status, path).toBe(404)
      }
    })

    it("GET /v1/events lists the teamspace's events newest first, with a cursor, type and time filters", async () => {
      const since = new Date().toISOString()
      const types = ["batch_prediction.completed", "batch_prediction.failed", "knowledge.processing.completed"]
      const published: Array<string> = []
      for (let n = 0; n < 7; n++) {
        const { id } = await publish(KEY_ACME, { event_type: types[n % 3]!, data: { n }, id: `listed-${n}-${Date.now()}` })
        published.push(id)
      }
      const newestFirst = [...published].reverse()
      type EventList = { data: Array<Record<string, unknown>>; next_cursor: string | null }
      const list = (query: string, key = KEY_ACME) =>
        api<EventList>(key, "GET", `/v1/events?created_after=${encodeURIComponent(since)}&${query}`)

      const all = await list("limit=100")
      expect(all.data.map((event) => event["id"])).toEqual(newestFirst)
      expect(all.next_cursor).toBeNull()
      expect(all.data[0]).toEqual({
        object: "event",
        id: published[6],
        event_type: types[0],
        created_at: expect.any(String),
        data: { n: 6 }
      })

      const pages: Array<unknown> = []
      let cursor: string | null = null
      do {
        const page: EventList = await list(`limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`)
        expect(page.data.length).toBeLessThanOrEqual(3)
        pages.push(...page.data.map((event) => event["id"]))
        cursor = page.next_cursor
      } while (cursor !== null)
      expect(pages).toEqual(newestFirst)

      const ofTwoTypes = await list(`event_type=${types[1]},${types[2]}`)
      expect(ofTwoTypes.data.map((event) => event["id"])).toEqual(newestFirst.filter((_, n) => (6 - n) % 3 !== 0))
      const until = String(all.data[2]!["created_at"])
      const before = await list(`created_before=${encodeURIComponent(until)}&limit=100`)
      expect(before.data.every((event) => String(event["created_at"]) < until)).toBe(true)
      expect((await list("limit=100", KEY_GLOBEX)).data).toEqual([])

      for (const query of ["cursor=nonsense", "event_type=Not%20A%20Type", "limit=0", "created_after=yesterday"]) {
        const response = await fetch(`${app.baseUrl}/v1/events?${query}`, { headers: { authorization: `Bearer ${KEY_ACME}` } })
        expect(response.status, query).toBe(400)
        expect(await response.json()).toMatchObject({ status_code: 400, error: expect.any(String), message: expect.any(String) })
      }
    })

    it("an ordered webhook receives one event at a time in publish order, the first one's retries first", async () => {
      const target = await receiver({ respond: TestReceiver.statuses([500, 500, 200]) })
      const created = await api<Created & { ordered?: boolean }>(KEY_ACME, "POST", "/v1/webhooks", {
        url: `${target.url}/ordered`,
        events: ["batch_prediction.expired"],
        ordered: true
      })
      webhooks.push({ key: KEY_ACME, id: created.id })
      expect(created.ordered).toBe(true)
      const ids: Array<string> = []
      for (let n = 0; n < 3; n++) {
        ids.push((await publish(KEY_ACME, { event_type: "batch_prediction.expired", data: { n } })).id)
      }
      const requests = await target.awaitRequests(5)
      expect(requests.map((request) => JSON.parse(request.body).id)).toEqual([ids[0], ids[0], ids[0], ids[1], ids[2]])

      const unordered = await api<Record<string, unknown>>(KEY_ACME, "PATCH", `/v1/webhooks/${created.id}`, { ordered: false })
      expect(unordered).not.toHaveProperty("ordered")
    })

    it("a rate-limited webhook gets at most rate_limit deliveries a second, and every one of them", async () => {
      const target = await receiver()
      const created = await api<Created & { rate_limit?: number }>(KEY_ACME, "POST", "/v1/webhooks", {
        url: `${target.url}/limited`,
        events: ["batch_prediction.cancelled"],
        rate_limit: 3
      })
      webhooks.push({ key: KEY_ACME, id: created.id })
      expect(created.rate_limit).toBe(3)
      const ids: Array<string> = []
      for (let n = 0; n < 7; n++) {
        ids.push((await publish(KEY_ACME, { event_type: "batch_prediction.cancelled", data: { n } })).id)
      }
      const requests = await target.awaitRequests(7)
      expect(requests.map((request) => JSON.parse(request.body).id).sort()).toEqual([...ids].sort())
      type AttemptList = { data: Array<{ attempt: number; attempted_at: string }> }
      const attempts = await pollFor(
        () => api<AttemptList>(KEY_ACME, "GET", `/v1/webhooks/${created.id}/attempts?limit=100`),
        (list) => list.data.length === 7
      )
      expect(attempts.data.map((attempt) => attempt.attempt)).toEqual(Array.from({ length: 7 }, () => 1))
      // Judged where Herald sends (each attempt's start, just after the limit's check), not where the
      // receiver's clock adds the network's jitter. A start can only be later than its slot, never
      // earlier, and on a busy machine early starts of one window can run late into the next (CI saw
      // four starts within 990 ms): so no four within 750 ms, which an unlimited webhook (all seven
      // within a few ms) fails, and the span below, which lateness cannot shorten.
      const times = attempts.data.map((attempt) => Date.parse(attempt.attempted_at))
      const busiest = Math.max(...times.map((start) => times.filter((time) => time >= start && time < start + 750).length))
      expect(busiest).toBeLessThanOrEqual(3)
      // Seven at three a second: the last ones waited two windows.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2000 - 1)
      const cleared = await api<Record<string, unknown>>(KEY_ACME, "PATCH", `/v1/webhooks/${created.id}`, { rate_limit: null })
      expect(cleared).not.toHaveProperty("rate_limit")
      const bad = await fetch(`${app.baseUrl}/v1/webhooks/${created.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
        body: JSON.stringify({ rate_limit: 0 })
      })
      expect(bad.status).toBe(400)
    })

    it("rotating the secret: during the overlap deliveries verify with the old and the new secret", async () => {
      const target = await receiver()
      const webhook = await subscribe(KEY_ACME, `${target.url}/rotating`, ["batch_prediction.completed"])
      const rotated = await api<{ secret: string; previous_secret_expires_at: string | null }>(
        KEY_ACME,
        "POST",
        `/v1/webhooks/${webhook.id}/rotate-secret`,
        {}
      )
      expect(rotated.secret).toMatch(/^whsec_/)
      expect(rotated.secret).not.toBe(webhook.secret)
      expect(Date.parse(rotated.previous_secret_expires_at ?? "") - Date.now()).toBeGreaterThan(23 * 3_600_000)

      await publish(KEY_ACME, { event_type: "batch_prediction.completed", data: { during: "overlap" } })
      const [during] = await target.awaitRequests(1)
      const header = during!.headers["datagrid-signature"] as string
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
      const stripe = new Stripe("sk_test_unused")
      for (const secret of [webhook.secret, rotated.secret]) {
        expect(verifySignature({ payload: during!.body, header, secret })).toMatchObject({ ok: true })
        expect(stripe.webhooks.constructEvent(during!.body, header, secret)).toMatchObject({ data: { during: "overlap" } })
      }

      const immediate = await api<{ secret: string; previous_secret_expires_at: string | null }>(
        KEY_ACME,
        "POST",
        `/v1/webhooks/${webhook.id}/rotate-secret`,
        { overlap_seconds: 0 }
      )
      expect(immediate.previous_secret_expires_at).toBeNull()
      await publish(KEY_ACME, { event_type: "batch_prediction.completed", data: { after: "rotation" } })
      const requests = await target.awaitRequests(2)
      const after = requests[1]!
      const afterHeader = after.headers["datagrid-signature"] as string
      expect(afterHeader).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(verifySignature({ payload: after.body, header: afterHeader, secret: immediate.secret })).toMatchObject({ ok: true })
      for (const old of [webhook.secret, rotated.secret]) {
        expect(verifySignature({ payload: after.body, header: afterHeader, secret: old })).toMatchObject({ ok: false })
      }

      const tooLong = await fetch(`${app.baseUrl}/v1/webhooks/${webhook.id}/rotate-secret`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
        body: JSON.stringify({ overlap_seconds: 8 * 86_400 })
      })
      expect(tooLong.status).toBe(400)
      const elsewhere = await fetch(`${app.baseUrl}/v1/webhooks/${webhook.id}/rotate-secret`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_GLOBEX}`, "content-type": "application/json" },
        body: "{}"
      })
      expect(elsewhere.status).toBe(404)
    })

    it("replay: recover re-queues deliveries that ended failed in a window; redeliver sends an event again", async () => {
      const since = new Date(Date.now() - 1_000).toISOString()
      const target = await receiver({ respond: TestReceiver.statuses([503]) })
      const webhook = await subscribe(KEY_ACME, `${target.url}/outage`, ["batch_prediction.expired"])
      const { id } = await publish(KEY_ACME, { event_type: "batch_prediction.expired", data: { replay: 1 } })
      await target.awaitRequests(3)
      type EventView = { deliveries: Array<{ status: string; attempts: number }> }
      const failed = await pollFor(
        () => api<EventView>(KEY_ACME, "GET", `/v1/events/${id}`),
        (event) => event.deliveries[0]?.status === "failed"
      )
      expect(failed.deliveries).toMatchObject([{ status: "failed", attempts: 3 }])

      // The outage is over.
      target.respondWith(TestReceiver.always(TestReceiver.reply(200)))
      const none = await api<{ deliveries: number }>(KEY_ACME, "POST", `/v1/webhooks/${webhook.id}/recover`, {
        since: new Date(Date.now() + 60_000).toISOString()
      })
      expect(none.deliveries).toBe(0)
      const recovered = await api<{ deliveries: number }>(KEY_ACME, "POST", `/v1/webhooks/${webhook.id}/recover`, { since })
      expect(recovered.deliveries).toBe(1)
      const afterRecover = await target.awaitRequests(4)
      expect(JSON.parse(afterRecover[3]!.body).id).toBe(id)
      const ok = await pollFor(
        () => api<EventView>(KEY_ACME, "GET", `/v1/events/${id}`),
        (event) => event.deliveries[0]?.status === "succeeded"
      )
      expect(ok.deliveries).toMatchObject([{ status: "succeeded", attempts: 4 }])
      // Succeeded now: nothing left to recover.
      expect((await api<{ deliveries: number }>(KEY_ACME, "POST", `/v1/webhooks/${webhook.id}/recover`, { since })).deliveries)
        .toBe(0)

      const again = await api<{ deliveries: number }>(KEY_ACME, "POST", `/v1/events/${id}/redeliver`, {})
      expect(again.deliveries).toBe(1)
      const afterRedeliver = await target.awaitRequests(5)
      expect(JSON.parse(afterRedeliver[4]!.body).id).toBe(id)
      const one = await api<{ deliveries: number }>(KEY_ACME, "POST", `/v1/events/${id}/redeliver`, { webhook_id: webhook.id })
      expect(one.deliveries).toBe(1)
      await target.awaitRequests(6)

      const post = (key: string, path: string, body: unknown) =>
        fetch(`${app.baseUrl}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body)
        }).then((response) => response.status)
      expect(await post(KEY_GLOBEX, `/v1/events/${id}/redeliver`, {})).toBe(404)
      expect(await post(KEY_GLOBEX, `/v1/webhooks/${webhook.id}/recover`, { since })).toBe(404)
      expect(await post(KEY_ACME, `/v1/events/${id}/redeliver`, { webhook_id: "wh_01JZZZZZZZZZZZZZZZZZZZZZZZ" })).toBe(404)
      expect(await post(KEY_ACME, `/v1/webhooks/${webhook.id}/recover`, { since: "yesterday" })).toBe(400)
      expect(await post(KEY_ACME, `/v1/webhooks/${webhook.id}/recover`, { since, until: since })).toBe(400)
    })

    it("POST /v1/webhooks/{id}/test sends a signed webhook.test to that webhook only, even when disabled", async () => {
      const target = await receiver()
      const tested = await subscribe(KEY_ACME, `${target.url}/tested`, ["batch_prediction.completed"])
      await subscribe(KEY_ACME, `${target.url}/bystander`, ["batch_prediction.completed"])
      await api(KEY_ACME, "PATCH", `/v1/webhooks/${tested.id}`, { enabled: false })

      const sent = await api<{ id: string; event_type: string }>(KEY_ACME, "POST", `/v1/webhooks/${tested.id}/test`)
      expect(sent.event_type).toBe("webhook.test")
      const [request] = await target.awaitRequests(1)
      expect(request!.path).toBe("/tested")
      const envelope = JSON.parse(request!.body)
      expect(envelope).toMatchObject({ id: sent.id, event_type: "webhook.test", data: { webhook_id: tested.id } })
      const header = request!.headers["datagrid-signature"] as string
      expect(verifySignature({ payload: request!.body, header, secret: tested.secret })).toMatchObject({ ok: true })
      await settle()
      expect(target.requests()).toHaveLength(1)

      const elsewhere = await fetch(`${app.baseUrl}/v1/webhooks/${tested.id}/test`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_GLOBEX}` }
      })
      expect(elsewhere.status).toBe(404)
      const published = await fetch(`${app.baseUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
        body: JSON.stringify({ event_type: "webhook.test", data: {} })
      })
      expect(published.status).toBe(400)
    })

    it("an endpoint answering 410 Gone is disabled at once, with disabled_reason; PATCH enabled:true clears it", async () => {
      const target = await receiver({ respond: TestReceiver.always(TestReceiver.gone) })
      const webhook = await subscribe(KEY_ACME, `${target.url}/gone`, ["batch_prediction.cancelled"])
      const { id } = await publish(KEY_ACME, { event_type: "batch_prediction.cancelled", data: { gone: true } })
      await target.awaitRequests(1)
      const disabled = await pollFor(
        () => api<{ enabled: boolean; disabled_reason?: string }>(KEY_ACME, "GET", `/v1/webhooks/${webhook.id}`),
        (current) => !current.enabled
      )
      expect(disabled).toMatchObject({ enabled: false, disabled_reason: "the endpoint answered 410 Gone" })
      // No retry follows, so the event's delivery is over: failed, not pending.
      const event = await api<{ deliveries: Array<Record<string, unknown>> }>(KEY_ACME, "GET", `/v1/events/${id}`)
      expect(event.deliveries).toMatchObject([{ webhook_id: webhook.id, status: "failed", next_attempt_at: null }])
      await settle()
      expect(target.requests()).toHaveLength(1)
      const enabled = await api(KEY_ACME, "PATCH", `/v1/webhooks/${webhook.id}`, { enabled: true })
      expect(enabled).toMatchObject({ enabled: true })
      expect(enabled).not.toHaveProperty("disabled_reason")
    })

    it("gives up when the schedule is spent", async () => {
      const target = await receiver({ respond: TestReceiver.statuses([503]) })
      await subscribe(KEY_ACME, `${target.url}/down`, ["knowledge.processing.completed"])
      await publish(KEY_ACME, { event_type: "knowledge.processing.completed", data: { knowledge_id: "k1" } })
      await target.awaitRequests(3)
      await settle()
      expect(await target.requests()).toHaveLength(3)
    })

    it("sends nothing to disabled, unsubscribed or other-teamspace webhooks", async () => {
      const target = await receiver()
      await subscribe(KEY_ACME, `${target.url}/enabled`, ["batch_prediction.expired"])
      const disabled = await subscribe(KEY_ACME, `${target.url}/disabled`, ["batch_prediction.expired"])
      await api(KEY_ACME, "PATCH", `/v1/webhooks/${disabled.id}`, { enabled: false })
      await subscribe(KEY_ACME, `${target.url}/unsubscribed`, ["batch_prediction.cancelled"])
      const moved = await subscribe(KEY_ACME, `${target.url}/moved-away`, ["batch_prediction.expired"])
      await api(KEY_ACME, "PATCH", `/v1/webhooks/${moved.id}`, { events: ["batch_prediction.completed"] })
      const deleted = await subscribe(KEY_ACME, `${target.url}/deleted`, ["batch_prediction.expired"])
      await api(KEY_ACME, "DELETE", `/v1/webhooks/${deleted.id}`)
      await subscribe(KEY_GLOBEX, `${target.url}/other-teamspace`, ["batch_prediction.expired"])

      const published = await publish(KEY_ACME, { event_type: "batch_prediction.expired", data: { id: "bpred_1" } })
      expect(published.deliveries).toBe(1)
      await target.awaitRequests(1)
      await settle()
      expect((await target.requests()).map((request) => request.path)).toEqual(["/enabled"])
    })

    it("delivers a repeated event id only once", async () => {
      const target = await receiver()
      await subscribe(KEY_ACME, `${target.url}/once`, ["batch_prediction.cancelled"])
      const event = { event_type: "batch_prediction.cancelled", data: { id: "bpred_2" }, id: "evt_once" }
      expect(await publish(KEY_ACME, event)).toMatchObject({ deliveries: 1, duplicate: false })
      expect(await publish(KEY_ACME, event)).toMatchObject({ deliveries: 0, duplicate: true })
      await target.awaitRequests(1)
      await settle()
      expect(await target.requests()).toHaveLength(1)
    })
  })
})
