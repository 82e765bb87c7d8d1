/**
 * Redeliver and recover while a failed delivery waits for its retry, through
 * the real app on every backend: the retry that was waiting is made at once,
 * exactly once, and the scheduled one does not fire as well. The retry
 * schedule is long for a test (RETRY_MS), so an early delivery can only be the
 * redelivery.
 */
import { TestReceiver } from "@herald/testkit"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, backends, type RunningApp, start } from "./support/Harness.js"

/** The delay before a retry: long enough that "at once" cannot be the schedule, short enough to wait out. */
const RETRY_MS = 5_000
/** How late past its time a retry that was wrongly left scheduled would still be seen. */
const LATE_MS = 1_000

interface Attempt {
  readonly attempt: number
  readonly successful: boolean
  readonly attempted_at: string
  readonly next_attempt_at: string | null
}

interface EventView {
  readonly deliveries: ReadonlyArray<{ status: string; attempts: number; next_attempt_at: string | null }>
}

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []
  const webhooks: Array<string> = []

  beforeAll(async () => {
    app = await start({ retrySchedule: [0, RETRY_MS, RETRY_MS], backend })
  })
  afterEach(async () => {
    for (const id of webhooks.splice(0)) {
      await fetch(`${app.baseUrl}/v1/webhooks/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${KEY_ACME}` } })
    }
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return (response.status === 204 ? undefined : await response.json()) as T
  }

  const receiver = async (respond: TestReceiver.Responder) => {
    const started = await TestReceiver.start({ respond })
    receivers.push(started)
    return started
  }

  const subscribe = async (url: string, type: string, extra: Record<string, unknown> = {}) => {
    const created = await api<{ id: string }>("POST", "/v1/webhooks", { url, events: [type], ...extra })
    webhooks.push(created.id)
    return created.id
  }

  const attemptsOf = (webhookId: string) =>
    api<{ data: ReadonlyArray<Attempt> }>("GET", `/v1/webhooks/${webhookId}/attempts?limit=100`).then((page) =>
      [...page.data].reverse()
    )

  const pollFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await read()
      if (done(value) || Date.now() > deadline) return value
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  /**
   * A webhook whose receiver failed the first attempt and is now waiting for its
   * retry, RETRY_MS away; the receiver answers 2xx from now on.
   */
  const failedOnce = async (type: string) => {
    const target = await receiver(TestReceiver.statuses([500, 200]))
    const webhookId = await subscribe(`${target.url}/hook`, type)
    const { id } = await api<{ id: string }>("POST", "/v1/events", { event_type: type, data: { n: 1 } })
    await target.awaitRequests(1)
    const pending = await pollFor(
      () => api<EventView>("GET", `/v1/events/${id}`),
      (event) => event.deliveries[0]?.status === "pending"
    )
    const retryAt = Date.parse(pending.deliveries[0]!.next_attempt_at!)
    // The retry is scheduled well in the future: an early delivery is the redelivery.
    expect(retryAt - Date.now()).toBeGreaterThan(RETRY_MS / 2)
    return { target, webhookId, eventId: id, retryAt }
  }

  /** The event arrived again at once, exactly once, and the scheduled retry never followed. */
  const deliveredOnceMore = async (
    { eventId, retryAt, target, webhookId }: Awaited<ReturnType<typeof failedOnce>>
  ) => {
    const requests = await target.awaitRequests(2, 4_000)
    expect(JSON.parse(requests[1]!.body).id).toBe(eventId)
    expect(requests[1]!.receivedAt).toBeLessThan(retryAt)
    const done = await pollFor(
      () => api<EventView>("GET", `/v1/events/${eventId}`),
      (event) => event.deliveries[0]?.status === "succeeded"
    )
    expect(done.deliveries).toMatchObject([{ status: "succeeded", attempts: 2, next_attempt_at: null }])
    // Wait out the retry that had been scheduled (its time is logged with the jitter applied): it must not fire as well.
    await sleep(Math.max(0, retryAt + LATE_MS - Date.now()))
    expect(target.requests()).toHaveLength(2)
    const attempts = await attemptsOf(webhookId)
    expect(attempts.map(({ attempt, successful }) => ({ attempt, successful }))).toEqual([
      { attempt: 1, successful: false },
      { attempt: 2, successful: true }
    ])
  }

  it("redeliver sends a delivery waiting for its retry now, once; the scheduled retry does not fire", async () => {
    const waiting = await failedOnce("batch_prediction.completed")
    const answer = await api<{ object: string; deliveries: number }>("POST", `/v1/events/${waiting.eventId}/redeliver`, {})
    expect(answer).toEqual({ object: "requeued", deliveries: 1 })
    await deliveredOnceMore(waiting)
  })

  it("recover counts and sends a delivery waiting for its retry now, once; the scheduled retry does not fire", async () => {
    const since = new Date(Date.now() - 1_000).toISOString()
    const waiting = await failedOnce("batch_prediction.failed")
    const answer = await api<{ object: string; deliveries: number }>("POST", `/v1/webhooks/${waiting.webhookId}/recover`, {
      since
    })
    expect(answer).toEqual({ object: "requeued", deliveries: 1 })
    await deliveredOnceMore(waiting)
  })

  it("redeliver while the attempt is in flight: no second attempt beside it, and its failure is retried at once", async () => {
    let answerFirst: () => void = () => {}
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve))
    let answeredAt = 0
    const target = await receiver(async (_request, index) => {
      if (index > 0) return TestReceiver.reply(200)
      await firstAnswered
      answeredAt = Date.now()
      return TestReceiver.reply(500)
    })
    const webhookId = await subscribe(`${target.url}/hook`, "batch_prediction.cancelled")
    const { id } = await api<{ id: string }>("POST", "/v1/events", { event_type: "batch_prediction.cancelled", data: {} })
    await target.awaitRequests(1)
    // Named: with no attempt logged yet, the event has no delivery to find in the log.
    const answer = await api<{ deliveries: number }>("POST", `/v1/events/${id}/redeliver`, { webhook_id: webhookId })
    expect(answer.deliveries).toBe(1)
    await sleep(300)
    // The attempt in flight is the only one.
    expect(target.requests()).toHaveLength(1)
    answerFirst()
    const requests = await target.awaitRequests(2, 4_000)
    expect(requests[1]!.receivedAt).toBeGreaterThanOrEqual(answeredAt)
    expect(requests[1]!.receivedAt - answeredAt).toBeLessThan(RETRY_MS / 2)
    const attempts = await pollFor(() => attemptsOf(webhookId), (list) => list.length === 2)
    expect(attempts.map(({ attempt, successful }) => ({ attempt, successful }))).toEqual([
      { attempt: 1, successful: false },
      { attempt: 2, successful: true }
    ])
    // The retry attempt 1 had scheduled was the one made at once: nothing follows.
    await sleep(Math.max(0, Date.parse(attempts[0]!.next_attempt_at!) + LATE_MS - Date.now()))
    expect(target.requests()).toHaveLength(2)
  })

  it("an ordered webhook still gets one event at a time: redeliver moves up its head, not an event behind it", async () => {
    const target = await receiver(TestReceiver.statuses([500, 200]))
    const webhookId = await subscribe(`${target.url}/ordered`, "batch_prediction.expired", { ordered: true })
    const publish = (n: number) =>
      api<{ id: string }>("POST", "/v1/events", { event_type: "batch_prediction.expired", data: { n } }).then(({ id }) => id)
    const first = await publish(1)
    const second = await publish(2)
    await target.awaitRequests(1)
    await pollFor(() => attemptsOf(webhookId), (list) => list.length === 1)
    // The second event waits behind the first, which waits for its retry: it stays in line.
    expect((await api<{ deliveries: number }>("POST", `/v1/events/${second}/redeliver`, {})).deliveries).toBe(0)
    expect((await api<{ deliveries: number }>("POST", `/v1/events/${second}/redeliver`, { webhook_id: webhookId })).deliveries)
      .toBe(1)
    await sleep(500)
    expect(target.requests()).toHaveLength(1)
    expect((await api<{ deliveries: number }>("POST", `/v1/events/${first}/redeliver`, {})).deliveries).toBe(1)
    const requests = await target.awaitRequests(3, 4_000)
    expect(requests.map((request) => JSON.parse(request.body).id)).toEqual([first, first, second])
    // One at a time: the second was sent after the first had been answered (and logged).
    const attempts = await pollFor(() => attemptsOf(webhookId), (list) => list.length === 3)
    expect(attempts.map(({ attempt, successful }) => ({ attempt, successful }))).toEqual([
      { attempt: 1, successful: false },
      { attempt: 2, successful: true },
      { attempt: 1, successful: true }
    ])
    expect(requests[2]!.receivedAt).toBeLessThan(Date.parse(attempts[0]!.next_attempt_at!))
  })

  it("a rate-limited webhook keeps its limit: a redelivered retry takes its turn among the deliveries waiting", async () => {
    const target = await receiver(TestReceiver.statuses([500, 200]))
    const webhookId = await subscribe(`${target.url}/limited`, "batch_prediction.completed", { rate_limit: 1 })
    const publish = (n: number) =>
      api<{ id: string }>("POST", "/v1/events", { event_type: "batch_prediction.completed", data: { n } }).then(({ id }) => id)
    const first = await publish(1)
    await target.awaitRequests(1)
    await pollFor(() => attemptsOf(webhookId), (list) => list.length === 1)
    // Two more deliveries take the next two slots; the redelivered retry must not jump the limit.
    await publish(2)
    await publish(3)
    expect((await api<{ deliveries: number }>("POST", `/v1/events/${first}/redeliver`, {})).deliveries).toBe(1)
    await target.awaitRequests(4, 6_000)
    const attempts = await pollFor(() => attemptsOf(webhookId), (list) => list.length === 4)
    expect(attempts.filter((attempt) => attempt.successful)).toHaveLength(3)
    // Judged where Herald sends, as in Delivery.test.ts: at most one start in any 990 ms.
    const times = attempts.map((attempt) => Date.parse(attempt.attempted_at))
    const busiest = Math.max(...times.map((at) => times.filter((time) => time >= at && time < at + 990).length))
    expect(busiest).toBe(1)
    // And the redelivered retry was made before its scheduled time.
    const retried = attempts.find((attempt) => attempt.attempt === 2)!
    expect(Date.parse(retried.attempted_at)).toBeLessThan(Date.parse(attempts[0]!.next_attempt_at!))
  })
})

describe.each(backends)("one attempt per delivery, on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []

  // One attempt per delivery: each event is given up at once and its sequence moves on.
  beforeAll(async () => {
    app = await start({ retrySchedule: [0], backend })
  })
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()))
    await app.close()
  })

  const receiver = async (respond: TestReceiver.Responder) => {
    const started = await TestReceiver.start({ respond })
    receivers.push(started)
    return started
  }

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return await response.json() as T
  }

  it("recover sends an ordered webhook's failed events again oldest first", async () => {
    const target = await receiver(TestReceiver.statuses([500, 500, 500, 200]))
    const type = "batch_prediction.completed"
    const since = new Date(Date.now() - 1_000).toISOString()
    const { id: webhookId } = await api<{ id: string }>("POST", "/v1/webhooks", {
      url: `${target.url}/ordered`,
      events: [type],
      ordered: true
    })
    const published: Array<string> = []
    for (const n of [1, 2, 3]) published.push((await api<{ id: string }>("POST", "/v1/events", { event_type: type, data: { n } })).id)
    await target.awaitRequests(3)
    // All three given up (logged) before recovering.
    for (let tries = 0; tries < 100; tries++) {
      const page = await api<{ data: ReadonlyArray<unknown> }>("GET", `/v1/webhooks/${webhookId}/attempts?limit=100`)
      if (page.data.length === 3) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect((await api<{ deliveries: number }>("POST", `/v1/webhooks/${webhookId}/recover`, { since })).deliveries).toBe(3)
    const requests = await target.awaitRequests(6, 6_000)
    expect(requests.map((request) => JSON.parse(request.body).id)).toEqual([...published, ...published])
  })

  it("redeliver during a delivery's last attempt, which fails: the delivery starts again from attempt 1, at once", async () => {
    let answerFirst: () => void = () => {}
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve))
    const target = await receiver(async (_request, index) => {
      if (index > 0) return TestReceiver.reply(200)
      await firstAnswered
      return TestReceiver.reply(500)
    })
    const type = "batch_prediction.failed"
    const { id: webhookId } = await api<{ id: string }>("POST", "/v1/webhooks", { url: `${target.url}/last`, events: [type] })
    const { id } = await api<{ id: string }>("POST", "/v1/events", { event_type: type, data: {} })
    await target.awaitRequests(1)
    expect((await api<{ deliveries: number }>("POST", `/v1/events/${id}/redeliver`, { webhook_id: webhookId })).deliveries)
      .toBe(1)
    answerFirst()
    const requests = await target.awaitRequests(2, 4_000)
    expect(JSON.parse(requests[1]!.body).id).toBe(id)
    for (let tries = 0; tries < 100; tries++) {
      const event = await api<EventView>("GET", `/v1/events/${id}`)
      if (event.deliveries[0]?.status === "succeeded") break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const page = await api<{ data: ReadonlyArray<Attempt> }>("GET", `/v1/webhooks/${webhookId}/attempts?limit=100`)
    expect([...page.data].reverse().map(({ attempt, successful }) => ({ attempt, successful }))).toEqual([
      { attempt: 1, successful: false },
      { attempt: 1, successful: true }
    ])
  })
})
