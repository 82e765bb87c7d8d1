/**
 * A webhook whose stored profile this process does not register (the profile
 * was removed from the deployment, or the worker was composed without it) has
 * no envelope: its delivery is dropped as a disabled webhook's is (settled, no
 * attempt logged, nothing sent), with an error naming the profile, and the
 * worker goes on.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { AttemptLog, DeliveryJob, Dispatcher, EventStore, Herald, SubscriptionStore, Transport } from "@herald/core"
import { MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

const capture = () => {
  const lines: Array<{ readonly level: LogLevel.LogLevel; readonly message: string }> = []
  const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
    lines.push({ level: logLevel, message: (Array.isArray(message) ? message : [message]).map(String).join(" ") })
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const sent: Array<Transport.DeliveryRequest> = []
const recording = Layer.succeed(Transport.Transport, {
  send: (request) => Effect.sync(() => void sent.push(request)).pipe(Effect.as({ status: 200, headers: {}, body: "" }))
})

const services = Herald.workerServicesLayer.pipe(
  Layer.provideMerge(Layer.mergeAll(
    MemoryLayer.layer,
    Herald.settingsLayer({ retrySchedule: [0, 10], allowPrivateUrls: true, delivery: { timeoutMs: 1_000, concurrency: 1 } })
      .pipe(Layer.provideMerge(Fixtures.profilesLayer)),
    recording
  ))
)

describe("a webhook whose profile is not registered", () => {
  it.effect("is not delivered to: the job settles, nothing is sent or logged as an attempt, and an error names the profile", () => {
    const { layer, lines } = capture()
    return Effect.gen(function*() {
      const dispatcher = yield* Dispatcher.Dispatcher
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const events = yield* EventStore.EventStore
      const attempts = yield* AttemptLog.AttemptLog
      const teamspace = Fixtures.teamspace()
      const gone = Fixtures.webhook({ teamspace, url: "http://receiver.test/gone", time: 0, profile: "retired" })
      const kept = Fixtures.webhook({ teamspace, url: "http://receiver.test/kept", time: 0 })
      yield* subscriptions.insert(gone)
      yield* subscriptions.insert(kept)
      const event = Fixtures.event({ teamspace, time: 0 })
      yield* events.append(event)

      const outcome = yield* dispatcher.deliver(Fixtures.job({ teamspace, eventId: event.id, webhookId: gone.id, attempt: 1 }))
      expect(outcome).toEqual(DeliveryJob.done)
      expect(sent).toEqual([])
      expect(yield* attempts.list({ teamspace, webhookId: gone.id, limit: 10 })).toEqual([])
      const errors = lines.filter((line) => line.level === LogLevel.Error)
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toContain("\"retired\" is not registered")
      expect(errors[0]!.message).toContain(Fixtures.profile.name)

      // The worker goes on: a registered profile's webhook is delivered.
      yield* dispatcher.deliver(Fixtures.job({ teamspace, eventId: event.id, webhookId: kept.id, attempt: 1 }))
      expect(sent.map((request) => request.url)).toEqual(["http://receiver.test/kept"])
    }).pipe(Effect.provide(services), Effect.provide(layer))
  })
})
