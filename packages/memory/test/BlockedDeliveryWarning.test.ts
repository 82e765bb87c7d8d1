/**
 * A delivery the URL policy blocks is logged as a warning the operator sees:
 * once per webhook per interval, not per attempt, naming the webhook, its host
 * and why, and what would allow it (every delivering process needs
 * HERALD_ALLOW_PRIVATE_URLS, the worker too). Never the URL's path or query,
 * which may hold a token. (That a process started with private URLs allowed
 * says so once per start is apps/api's PrivateUrlsAtStart.test.ts: only a whole
 * process, of each role, can show it.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, type LogLevel, TestClock } from "effect"
import {
  Dispatcher,
  EventStore,
  Herald,
  type Ids,
  SubscriptionStore,
  Transport
} from "@herald/core"
import { MemoryLayer } from "@herald/memory"
import { Fixtures } from "@herald/testkit"

interface Line {
  readonly level: LogLevel.LogLevel
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** A Logger that keeps every line, for asserting what an operator would see. */
const capture = () => {
  const lines: Array<Line> = []
  const logger = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
    lines.push({
      level: logLevel,
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: Object.fromEntries(annotations)
    })
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const warnings = (lines: ReadonlyArray<Line>) => lines.filter((line) => line.level._tag === "Warning")

const settings = (allowPrivateUrls: boolean): Herald.Settings => ({
  retrySchedule: [0, 10, 10, 10, 10, 10, 10, 10],
  allowPrivateUrls,
  delivery: { timeoutMs: 1_000, concurrency: 1 }
})

/** A transport that must not be reached: the policy blocks before it. */
const unreachable = Layer.succeed(Transport.Transport, {
  send: () => Effect.die(new Error("the transport was reached"))
})

const services = (allowPrivateUrls: boolean) =>
  Herald.workerServicesLayer.pipe(
    Layer.provideMerge(Layer.mergeAll(MemoryLayer.layer, Herald.settingsLayer(settings(allowPrivateUrls)).pipe(Layer.provideMerge(Fixtures.profilesLayer)), unreachable))
  )

describe("a blocked delivery", () => {
  it.effect("is a warning once per webhook per minute, naming the webhook, its host and the fix, not the URL's query", () => {
    const { layer, lines } = capture()
    return Effect.gen(function*() {
      const dispatcher = yield* Dispatcher.Dispatcher
      const subscriptions = yield* SubscriptionStore.SubscriptionStore
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const hook = (url: string) => Fixtures.webhook({ teamspace, url, time: 0 })
      // Stored as a process allowing private URLs (an API with HERALD_ALLOW_PRIVATE_URLS) would have.
      const a = hook("http://10.0.0.5:3000/hooks?token=s3cr3t-token")
      const b = hook("http://127.0.0.1:4000/other")
      yield* subscriptions.insert(a)
      yield* subscriptions.insert(b)
      const event = Fixtures.event({ teamspace, time: 0 })
      yield* events.append(event)
      const deliver = (webhookId: Ids.WebhookId, attempt: number) =>
        dispatcher.deliver(Fixtures.job({ teamspace, eventId: event.id, webhookId, attempt }))

      for (let attempt = 1; attempt <= 3; attempt++) {
        yield* deliver(a.id, attempt)
        yield* TestClock.adjust("10 seconds")
      }
      yield* deliver(b.id, 1)
      const first = warnings(lines)
      expect(first.map((line) => line.annotations["webhookId"])).toEqual([a.id, b.id])
      const [line] = first
      expect(line!.message).toContain(a.id)
      expect(line!.message).toContain("10.0.0.5")
      expect(line!.message).toContain("HERALD_ALLOW_PRIVATE_URLS=true")
      expect(line!.message).toContain("worker")
      expect(line!.annotations["host"]).toBe("10.0.0.5:3000")
      for (const text of lines.map((l) => `${l.message} ${JSON.stringify(l.annotations)}`)) {
        expect(text).not.toContain("s3cr3t")
        expect(text).not.toContain("/hooks")
      }

      // A minute after the first warning, the next blocked attempt warns again.
      yield* TestClock.adjust("31 seconds")
      yield* deliver(a.id, 4)
      expect(warnings(lines).map((l) => l.annotations["webhookId"])).toEqual([a.id, b.id, a.id])
    }).pipe(Effect.provide(services(false)), Effect.provide(layer))
  })
})
