// The core services end to end on the memory adapters, without HTTP: a fake
// Transport records each request and answers with scripted statuses.
import { createHmac } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Layer, Logger, LogLevel, Ref, type Scope } from "effect"
import {
  AttemptLog,
  DeliverySettings,
  EndpointHealth,
  EventStore,
  EventType,
  FanOut,
  Herald,
  type Ids,
  Publisher,
  RetrySchedule,
  SequenceStore,
  Transport,
  UrlPolicy,
  Webhooks,
  Worker
} from "@herald/core"
import { MemoryDeliveryQueue, MemoryLayer } from "@herald/memory"
import { Fixtures, RecordingTracer } from "@herald/testkit"

interface Recorded extends Transport.DeliveryRequest {
  readonly at: number
}

/** A receiver that answers each URL with its script of statuses (then 200). */
class FakeReceiver extends Effect.Service<FakeReceiver>()("test/FakeReceiver", {
  effect: Effect.gen(function*() {
    const requests = yield* Ref.make<ReadonlyArray<Recorded>>([])
    const scripts = new Map<string, Array<number>>()
    const script = (url: string, statuses: ReadonlyArray<number>) => Effect.sync(() => void scripts.set(url, [...statuses]))
    const send = (request: Transport.DeliveryRequest) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        yield* Ref.update(requests, (all) => [...all, { ...request, at }])
        const status = scripts.get(request.url)?.shift() ?? 200
        return { status, headers: { "content-type": "text/plain" }, body: `status ${status}` }
      })
    const to = (url: string) => Effect.map(Ref.get(requests), (all) => all.filter((request) => request.url === url))
    return { requests, script, send, to } as const
  })
}) {}

const FakeTransport = Layer.effect(
  Transport.Transport,
  Effect.map(FakeReceiver, (receiver): Transport.TransportShape => ({ send: receiver.send }))
).pipe(Layer.provideMerge(FakeReceiver.Default))

const testLayer = (health: Partial<EndpointHealth.HealthPolicyShape> = {}) =>
  Herald.servicesLayer.pipe(Layer.provideMerge(Layer.mergeAll(
    MemoryLayer.layer,
    EndpointHealth.layer(health),
    EventType.layerDefault.pipe(Layer.provideMerge(Fixtures.profilesLayer)),
    UrlPolicy.layer({ allowPrivate: true }),
    RetrySchedule.layer([0, 50, 50]),
    DeliverySettings.layer({ timeoutMs: 1000, concurrency: 4 }),
    FakeTransport
  )))

/** Long enough for any retry of the [0, 50, 50] schedule that was going to happen. */
const QUIET = "400 millis"

const startWorker = Effect.forkScoped(Worker.run)

const requestCount = (n: number) =>
  Effect.flatMap(FakeReceiver, (receiver) =>
    Fixtures.eventually(`${n} request(s)`, Effect.map(Ref.get(receiver.requests), (all) => all.length >= n)))

const queueIdle = Effect.flatMap(MemoryDeliveryQueue.MemoryDeliveryQueue, (queue) =>
  Fixtures.eventually(
    "queue idle",
    Effect.map(queue.size, (size) => size.ready + size.delayed + size.inFlight === 0)
  ))

const bodyOf = (request: Transport.DeliveryRequest) => JSON.parse(request.body) as Record<string, unknown>

const attemptsOf = (teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId) =>
  Effect.flatMap(AttemptLog.AttemptLog, (log) =>
    Effect.map(log.list({ teamspace, webhookId, limit: 100 }), (attempts) => [...attempts].reverse()))

type TestServices = Layer.Layer.Success<ReturnType<typeof testLayer>>

const run = <A, E>(
  self: Effect.Effect<A, E, TestServices | Scope.Scope>,
  health?: Partial<EndpointHealth.HealthPolicyShape>
) => self.pipe(Effect.scoped, Effect.provide(testLayer(health)), Logger.withMinimumLogLevel(LogLevel.Warning))

describe("delivery on the memory adapters", () => {
  it.live("a published event reaches every enabled matching webhook of its teamspace, once", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      const other = Fixtures.teamspace()
      const create = (space: Ids.TeamspaceId, name: string, events: ReadonlyArray<string>, enabled = true) =>
        webhooks.create(space, { url: `http://receiver.test/${name}`, events, enabled })
      yield* create(teamspace, "a", [Fixtures.typeA])
      yield* create(teamspace, "ab", [Fixtures.typeB, Fixtures.typeA])
      yield* create(teamspace, "disabled", [Fixtures.typeA], false)
      yield* create(teamspace, "unsubscribed", [Fixtures.typeB])
      yield* create(other, "elsewhere", [Fixtures.typeA])
      yield* startWorker

      const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
      expect(published.duplicate).toBe(false)
      expect(published.deliveries).toBe(2)
      yield* requestCount(2)
      yield* Effect.sleep(QUIET)

      const requests = yield* Ref.get(receiver.requests)
      expect(requests.map((request) => request.url).sort()).toEqual(["http://receiver.test/a", "http://receiver.test/ab"])
      for (const request of requests) expect(bodyOf(request)["id"]).toBe(published.event.id)
      const log = yield* AttemptLog.AttemptLog
      const attempts = yield* log.list({ teamspace, limit: 100 })
      expect(attempts.map((attempt) => [attempt.attempt, attempt.successful])).toEqual([[1, true], [1, true]])
      expect(yield* log.list({ teamspace: other, limit: 100 })).toEqual([])
      yield* queueIdle
    })))

  it.live("500, 500, 200: three requests with one event id, three attempts logged", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      const url = "http://receiver.test/flaky"
      const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA] })
      yield* receiver.script(url, [500, 500, 200])
      yield* startWorker

      const { event } = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 2 } })
      yield* requestCount(3)
      yield* Effect.sleep(QUIET)
      yield* queueIdle

      const requests = yield* receiver.to(url)
      expect(requests).toHaveLength(3)
      expect(requests.map((request) => bodyOf(request)["id"])).toEqual([event.id, event.id, event.id])
      // The schedule's 50 ms delays (less at most 10% jitter) separate the retries.
      expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(45)
      expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(45)

      const attempts = yield* attemptsOf(teamspace, webhook.id)
      expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3])
      expect(attempts.map((attempt) => attempt.successful)).toEqual([false, false, true])
      expect(attempts.map((attempt) => attempt.responseStatus)).toEqual([500, 500, 200])
      expect(attempts.map((attempt) => attempt.failure)).toEqual(["http_status", "http_status", null])
      expect(attempts.map((attempt) => attempt.eventId)).toEqual([event.id, event.id, event.id])
      const [first, second, last] = attempts
      expect(first!.nextAttemptAt).toBeGreaterThanOrEqual(first!.attemptedAt + 45)
      expect(second!.nextAttemptAt).toBeGreaterThanOrEqual(second!.attemptedAt + 45)
      expect(last!.nextAttemptAt).toBeNull()
    })))

  it.live("an exhausted schedule stops after its last attempt", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      const url = "http://receiver.test/down"
      const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA] })
      yield* receiver.script(url, [500, 503, 500, 500, 500, 500])
      yield* startWorker

      yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 3 } })
      yield* requestCount(3)
      yield* Effect.sleep(QUIET)
      yield* queueIdle

      expect(yield* receiver.to(url)).toHaveLength(3)
      const attempts = yield* attemptsOf(teamspace, webhook.id)
      expect(attempts.map((attempt) => [attempt.attempt, attempt.successful, attempt.responseStatus])).toEqual([
        [1, false, 500],
        [2, false, 503],
        [3, false, 500]
      ])
      expect(attempts[2]!.nextAttemptAt).toBeNull()
    })))

  it.live("a repeated publish is a no-op with the same data and an EventConflict with other data", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      yield* webhooks.create(teamspace, { url: "http://receiver.test/once", events: [Fixtures.typeA] })
      yield* startWorker

      const input = { id: "order-42", type: Fixtures.typeA, data: { total: 10 } }
      const first = yield* publisher.publish(teamspace, input)
      expect(first).toMatchObject({ duplicate: false, deliveries: 1 })
      yield* requestCount(1)

      const again = yield* publisher.publish(teamspace, input)
      expect(again.duplicate).toBe(true)
      expect(again.deliveries).toBe(0)
      expect(again.event.id).toBe(first.event.id)
      expect(again.event.createdAt).toBe(first.event.createdAt)

      const conflict = yield* Effect.flip(publisher.publish(teamspace, { ...input, data: { total: 11 } }))
      expect(conflict._tag).toBe("EventConflict")
      const otherType = yield* Effect.flip(publisher.publish(teamspace, { ...input, type: Fixtures.typeB }))
      expect(otherType._tag).toBe("EventConflict")

      yield* Effect.sleep(QUIET)
      expect(yield* Ref.get(receiver.requests)).toHaveLength(1)
    })))

  it.live("a retried publish finishes the fan-out of an event stored by a publish that died before it", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const events = yield* EventStore.EventStore
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      yield* webhooks.create(teamspace, { url: "http://receiver.test/crash", events: [Fixtures.typeA] })
      yield* startWorker

      // What a publish that crashed right after storing leaves behind: the event, no jobs.
      const stored = Fixtures.event({ teamspace, type: Fixtures.typeA, data: { total: 10 }, id: "order-crash" as Ids.EventId })
      yield* events.append(stored)

      const retried = yield* publisher.publish(teamspace, { id: "order-crash", type: Fixtures.typeA, data: { total: 10 } })
      expect(retried).toMatchObject({ duplicate: true, deliveries: 1 })
      expect(retried.event.createdAt).toBe(stored.createdAt)
      yield* requestCount(1)

      const again = yield* publisher.publish(teamspace, { id: "order-crash", type: Fixtures.typeA, data: { total: 10 } })
      expect(again).toMatchObject({ duplicate: true, deliveries: 0 })
      yield* Effect.sleep(QUIET)
      expect((yield* receiver.to("http://receiver.test/crash")).map((request) => bodyOf(request)["id"])).toEqual([
        "order-crash"
      ])
    })))

  it.live("a fan-out larger than a chunk: the publish enqueues one chunk, the worker the rest, each once", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      const urls: Array<string> = []
      for (let i = 0; i < 8; i++) {
        const url = `http://receiver.test/many/${i}`
        urls.push(url)
        yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA] })
      }
      yield* startWorker

      const published = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
      expect(published.deliveries).toBe(3)
      yield* requestCount(8)
      yield* queueIdle
      const received = (yield* Ref.get(receiver.requests)).map((request) => request.url)
      expect([...received].sort()).toEqual([...urls].sort())
    }).pipe(Effect.provideService(FanOut.FanOutChunkSize, 3))))

  it.live("endpoint health: failing through the window disables the webhook with a reason; re-enabling resets", () =>
    run(
      Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const publisher = yield* Publisher.Publisher
        const receiver = yield* FakeReceiver
        const teamspace = Fixtures.teamspace()
        const url = "http://receiver.test/failing"
        yield* receiver.script(url, [500, 500, 500, 500, 500, 500])
        const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA] })
        yield* startWorker

        yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
        // minFailures 2, window 0: the second failure disables it, and its retry is dropped.
        yield* Fixtures.eventually(
          "disabled",
          Effect.map(Effect.orDie(webhooks.get(teamspace, webhook.id)), (current) => !current.enabled)
        )
        const disabled = yield* webhooks.get(teamspace, webhook.id)
        expect(disabled.disabledReason).toMatch(/^deliveries failed without a success since .* \(2 attempts\)$/)
        yield* queueIdle
        expect(yield* receiver.to(url)).toHaveLength(2)

        // Re-enabled: a fresh window, so one more failure alone does not disable it again.
        const enabled = yield* webhooks.update(teamspace, webhook.id, { enabled: true })
        expect(enabled.disabledReason).toBeNull()
        yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 2 } })
        yield* requestCount(3)
        yield* queueIdle
        expect((yield* webhooks.get(teamspace, webhook.id)).enabled).toBe(false)
        expect(yield* receiver.to(url)).toHaveLength(4)
      }),
      { disableAfterMs: 0, minFailures: 2 }
    ))

  it.live("endpoint health: 410 Gone disables at once, with no retry; a success keeps the webhook enabled", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      yield* receiver.script("http://receiver.test/gone", [410])
      const gone = yield* webhooks.create(teamspace, { url: "http://receiver.test/gone", events: [Fixtures.typeA] })
      const fine = yield* webhooks.create(teamspace, { url: "http://receiver.test/fine", events: [Fixtures.typeA] })
      yield* startWorker
      yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
      yield* requestCount(2)
      yield* queueIdle
      expect(yield* receiver.to("http://receiver.test/gone")).toHaveLength(1)
      expect(yield* webhooks.get(teamspace, gone.webhook.id)).toMatchObject({
        enabled: false,
        disabledReason: EndpointHealth.goneReason
      })
      expect((yield* webhooks.get(teamspace, fine.webhook.id)).enabled).toBe(true)
      // The log must not promise a retry that disabling cancelled.
      const [goneAttempt] = yield* attemptsOf(teamspace, gone.webhook.id)
      expect(goneAttempt).toMatchObject({ responseStatus: 410, successful: false, nextAttemptAt: null })
    })))

  it.live("the body is the profile's envelope, signed with the webhook's secret at the time of sending (the fixture profile's: t=<unix>,v1=<hex> with timestamp == t)", () =>
    run(Effect.gen(function*() {
      const webhooks = yield* Webhooks.Webhooks
      const publisher = yield* Publisher.Publisher
      const receiver = yield* FakeReceiver
      const teamspace = Fixtures.teamspace()
      const { secret } = yield* webhooks.create(teamspace, { url: "http://receiver.test/signed", events: [Fixtures.typeA] })
      yield* startWorker

      const data = { batch: "b_1", rows: [1, 2], note: "ünïcode ✓" }
      const { event } = yield* publisher.publish(teamspace, { type: Fixtures.typeA, data })
      yield* requestCount(1)
      const [request] = yield* Ref.get(receiver.requests)
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)

      expect(request!.headers["Content-Type"]).toBe("application/json")
      const header = request!.headers["Fixture-Signature"] ?? ""
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
      expect(match, header).not.toBeNull()
      const t = Number(match![1])
      expect(Math.abs(now - t)).toBeLessThanOrEqual(60)
      expect(match![2]).toBe(createHmac("sha256", secret).update(`${t}.${request!.body}`).digest("hex"))

      const body = bodyOf(request!)
      expect(Object.keys(body)).toEqual(["id", "event_type", "timestamp", "data"])
      expect(body).toEqual({ id: event.id, event_type: Fixtures.typeA, timestamp: t, data })
    })))

  describe("ordered webhooks", () => {
    const idsAt = (url: string) =>
      Effect.map(Effect.flatMap(FakeReceiver, (receiver) => receiver.to(url)), (requests) => requests.map((request) => bodyOf(request)["id"]))
    const queueSize = Effect.flatMap(MemoryDeliveryQueue.MemoryDeliveryQueue, (queue) => queue.size)

    it.live("one event at a time in publish order: the first one's retries hold back the rest, not another webhook's", () =>
      run(Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const publisher = yield* Publisher.Publisher
        const receiver = yield* FakeReceiver
        const teamspace = Fixtures.teamspace()
        const ordered = "http://receiver.test/ordered"
        const unordered = "http://receiver.test/unordered"
        yield* webhooks.create(teamspace, { url: ordered, events: [Fixtures.typeA], ordered: true })
        yield* webhooks.create(teamspace, { url: unordered, events: [Fixtures.typeA] })
        yield* receiver.script(ordered, [500, 500, 200])
        yield* receiver.script(unordered, [500, 500, 200])
        yield* startWorker

        const ids: Array<Ids.EventId> = []
        for (let n = 0; n < 3; n++) ids.push((yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n } })).event.id)
        yield* requestCount(10)
        yield* queueIdle
        const [first, second, third] = ids
        expect(yield* idsAt(ordered)).toEqual([first, first, first, second, third])
        // Without ordering the later events don't wait for the first one's retries.
        const other = yield* idsAt(unordered)
        expect(other).toHaveLength(5)
        expect(other.indexOf(third)).toBeLessThan(other.lastIndexOf(first))
      })))

    it.live("an event given up lets the next one go", () =>
      run(Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const publisher = yield* Publisher.Publisher
        const receiver = yield* FakeReceiver
        const teamspace = Fixtures.teamspace()
        const url = "http://receiver.test/ordered-down"
        const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA], ordered: true })
        yield* receiver.script(url, [500, 500, 500])
        yield* startWorker
        const first = (yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })).event.id
        const second = (yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 2 } })).event.id
        yield* requestCount(4)
        yield* queueIdle
        expect(yield* idsAt(url)).toEqual([first, first, first, second])
        const attempts = yield* attemptsOf(teamspace, webhook.id)
        expect(attempts.map((attempt) => [attempt.eventId, attempt.attempt, attempt.successful])).toEqual([
          [first, 1, false],
          [first, 2, false],
          [first, 3, false],
          [second, 1, true]
        ])
      })))

    it.live("only the head is queued; turning ordering off queues what was waiting, deleting drops it", () =>
      run(Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const publisher = yield* Publisher.Publisher
        const teamspace = Fixtures.teamspace()
        const url = "http://receiver.test/ordered-parked"
        const doomedUrl = "http://receiver.test/ordered-doomed"
        const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA], ordered: true })
        const { webhook: doomed } = yield* webhooks.create(teamspace, { url: doomedUrl, events: [Fixtures.typeA], ordered: true })
        const publish = (n: number) => publisher.publish(teamspace, { type: Fixtures.typeA, data: { n } })
        const published = [yield* publish(1), yield* publish(2), yield* publish(3)]
        // Every publish counts its deliveries; only each webhook's head has a job.
        expect(published.map((result) => result.deliveries)).toEqual([2, 2, 2])
        expect(yield* queueSize).toMatchObject({ ready: 2 })

        const updated = yield* webhooks.update(teamspace, webhook.id, { ordered: false })
        expect(updated.ordered).toBe(false)
        expect(yield* queueSize).toMatchObject({ ready: 4 })
        yield* webhooks.remove(teamspace, doomed.id)
        const sequences = yield* SequenceStore.SequenceStore
        expect(yield* sequences.drain(teamspace, doomed.id)).toEqual([])

        yield* startWorker
        yield* requestCount(3)
        yield* queueIdle
        expect([...(yield* idsAt(url))].sort()).toEqual(published.map((result) => result.event.id).sort())
        expect(yield* idsAt(doomedUrl)).toEqual([])
      })))
  })

  describe("observability", () => {
    it.live("with a tracer installed, each delivery is a Dispatcher.deliver span", () =>
      Effect.gen(function*() {
        const recording = RecordingTracer.make()
        yield* run(Effect.gen(function*() {
          const webhooks = yield* Webhooks.Webhooks
          const publisher = yield* Publisher.Publisher
          const teamspace = Fixtures.teamspace()
          yield* webhooks.create(teamspace, { url: "http://receiver.test/traced", events: [Fixtures.typeA] })
          yield* startWorker
          yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 1 } })
          yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n: 2 } })
          yield* requestCount(2)
          yield* queueIdle
        })).pipe(Effect.withTracer(recording.tracer))
        expect(recording.names.filter((name) => name === "Dispatcher.deliver")).toHaveLength(2)
      }))

    it.live("a publish logs its event at debug level only", () =>
      Effect.gen(function*() {
        const lines: Array<{ readonly message: unknown; readonly annotations: Record<string, unknown> }> = []
        const logger = Logger.make(({ annotations, message }) => {
          lines.push({ message, annotations: Object.fromEntries(annotations) })
        })
        const publishAt = (level: LogLevel.LogLevel) =>
          Effect.gen(function*() {
            const publisher = yield* Publisher.Publisher
            return yield* publisher.publish(Fixtures.teamspace(), { type: Fixtures.typeA, data: { n: 1 } })
          }).pipe(
            Effect.provide(testLayer()),
            Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
            Logger.withMinimumLogLevel(level)
          )
        yield* publishAt(LogLevel.Info)
        expect(lines.filter((line) => String(line.message).includes("event published"))).toEqual([])
        const { event } = yield* publishAt(LogLevel.Debug)
        const published = lines.filter((line) => String(line.message).includes("event published"))
        expect(published).toHaveLength(1)
        expect(published[0]!.annotations).toMatchObject({ eventId: event.id, eventType: Fixtures.typeA, deliveries: 0 })
      }))
  })

  describe("rate-limited webhooks", () => {
    /** The most requests in any `windowMs` of the recorded times. */
    const busiestWindow = (times: ReadonlyArray<number>, windowMs: number) =>
      Math.max(0, ...times.map((start) => times.filter((time) => time >= start && time < start + windowMs).length))

    it.live("deliveries beyond the limit wait for a slot: none lost, none counted as an attempt, at most the limit a second", () =>
      run(Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const publisher = yield* Publisher.Publisher
        const receiver = yield* FakeReceiver
        const teamspace = Fixtures.teamspace()
        const url = "http://receiver.test/limited"
        const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA], rateLimit: 4 })
        expect(webhook.rateLimit).toBe(4)
        yield* startWorker
        const ids: Array<Ids.EventId> = []
        for (let n = 0; n < 10; n++) ids.push((yield* publisher.publish(teamspace, { type: Fixtures.typeA, data: { n } })).event.id)
        yield* requestCount(10)
        yield* queueIdle
        const requests = yield* receiver.to(url)
        expect(requests.map((request) => bodyOf(request)["id"]).sort()).toEqual([...ids].sort())
        const attempts = yield* attemptsOf(teamspace, webhook.id)
        expect(attempts.map((attempt) => attempt.attempt)).toEqual(Array.from({ length: 10 }, () => 1))
        // Judged where Herald sends (each attempt's start, just after the limit's check), not where the
        // receiver records, a scheduling delay later: on a loaded machine that delay bunched five
        // receipts into 999 ms. 10 ms for a busy machine between check and start.
        const starts = attempts.map((attempt) => attempt.attemptedAt)
        expect(busiestWindow(starts, 990)).toBeLessThanOrEqual(4)
        // 10 at 4 a second: the last ones waited two windows.
        expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2000 - 1)
      })))

    it.live("rate_limit is validated, and null removes it", () =>
      run(Effect.gen(function*() {
        const webhooks = yield* Webhooks.Webhooks
        const teamspace = Fixtures.teamspace()
        const url = "http://receiver.test/limits"
        for (const rateLimit of [0, -1, 1.5, 10_001]) {
          const error = yield* Effect.flip(webhooks.create(teamspace, { url, events: [Fixtures.typeA], rateLimit }))
          expect(error._tag).toBe("InvalidInput")
        }
        const { webhook } = yield* webhooks.create(teamspace, { url, events: [Fixtures.typeA], rateLimit: 10_000 })
        expect((yield* webhooks.update(teamspace, webhook.id, { rateLimit: null })).rateLimit).toBeNull()
        expect((yield* webhooks.update(teamspace, webhook.id, { rateLimit: 3 })).rateLimit).toBe(3)
        expect((yield* webhooks.update(teamspace, webhook.id, { enabled: true })).rateLimit).toBe(3)
      })))
  })
})
