/**
 * Conformance suite for `AttemptLog` adapters: newest first, filters, the
 * `before` cursor, teamspace isolation. Port-only, fresh layer per test, unique
 * teamspaces, live clock (see `SubscriptionStoreSuite`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { type Attempt, AttemptLog, Ids } from "@herald/core"
import * as Fixtures from "../Fixtures.js"

const ids = (attempts: ReadonlyArray<Attempt.Attempt>) => attempts.map((attempt) => attempt.id)
const newestFirst = (attempts: ReadonlyArray<Attempt.Attempt>) => ids(attempts).sort().reverse()

const snapshot = (attempt: Attempt.Attempt) => ({ ...attempt, responseHeaders: { ...attempt.responseHeaders } })

/** Two webhooks x two events x three tries (fail, fail, succeed), recorded out of order. */
const grid = Effect.gen(function*() {
  const log = yield* AttemptLog.AttemptLog
  const teamspace = Fixtures.teamspace()
  const webhooks = [Ids.makeWebhookId(Fixtures.baseTime), Ids.makeWebhookId(Fixtures.baseTime + 1)] as const
  const events = [Ids.makeEventId(Fixtures.baseTime), Ids.makeEventId(Fixtures.baseTime + 1)] as const
  const attempts: Array<Attempt.Attempt> = []
  let time = Fixtures.baseTime
  for (let n = 1; n <= 3; n++) {
    for (const webhookId of webhooks) {
      for (const eventId of events) {
        attempts.push(
          Fixtures.attempt({ teamspace, webhookId, eventId, time: time++, attempt: n, successful: n === 3 })
        )
      }
    }
  }
  const shuffled = attempts.map((attempt, i) => [(i * 7) % attempts.length, attempt] as const)
    .sort(([a], [b]) => a - b)
    .map(([, attempt]) => attempt)
  for (const attempt of shuffled) yield* log.record(attempt)
  return { teamspace, webhooks, events, attempts }
})

/**
 * Registers the `AttemptLog` conformance tests under `name` (vitest `describe`), each on a fresh
 * build of `layer`, the adapter under test. Run it from a one-line test file in each adapter
 * package; a failing test names the behaviour the adapter breaks.
 */
export const suite = (name: string, layer: Layer.Layer<AttemptLog.AttemptLog, unknown>) =>
  describe(name, () => {
    const test = <A, E>(title: string, body: Effect.Effect<A, E, AttemptLog.AttemptLog>) =>
      it.live(title, () => Effect.provide(body, layer))

    test(
      "list returns recorded attempts newest first, every field kept",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { attempts, teamspace } = yield* grid
        const listed = yield* log.list({ teamspace, limit: 100 })
        expect(ids(listed)).toEqual(newestFirst(attempts))
        const failed = attempts[0]!
        expect(snapshot(listed.find((attempt) => attempt.id === failed.id)!)).toEqual(snapshot(failed))
        const succeeded = attempts[attempts.length - 1]!
        expect(snapshot(listed[0]!)).toEqual(snapshot(succeeded))
      })
    )

    test(
      "limit caps a page",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { attempts, teamspace } = yield* grid
        expect(ids(yield* log.list({ teamspace, limit: 5 }))).toEqual(newestFirst(attempts).slice(0, 5))
        expect(ids(yield* log.list({ teamspace, limit: 1 }))).toEqual(newestFirst(attempts).slice(0, 1))
      })
    )

    test(
      "filters by event type, alone and with the webhook",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const teamspace = Fixtures.teamspace()
        const [w0, w1] = [Ids.makeWebhookId(), Ids.makeWebhookId()]
        let time = Fixtures.baseTime
        const made: Array<Attempt.Attempt> = []
        for (const webhookId of [w0, w1]) {
          for (const eventType of [Fixtures.typeA, Fixtures.typeB, Fixtures.typeA]) {
            const attempt = Fixtures.attempt({ teamspace, webhookId, eventId: Ids.makeEventId(), time: time++, eventType })
            made.push(attempt)
            yield* log.record(attempt)
          }
        }
        const list = (query: Omit<AttemptLog.AttemptQuery, "teamspace" | "limit">) =>
          Effect.map(log.list({ teamspace, limit: 100, ...query }), ids)
        const expected = (keep: (attempt: Attempt.Attempt) => boolean) => newestFirst(made.filter(keep))
        expect(yield* list({ eventType: Fixtures.typeB })).toEqual(expected((a) => a.eventType === Fixtures.typeB))
        expect(yield* list({ webhookId: w1, eventType: Fixtures.typeA })).toEqual(
          expected((a) => a.webhookId === w1 && a.eventType === Fixtures.typeA)
        )
        expect(yield* list({ eventType: Fixtures.typeC })).toEqual([])
      })
    )

    test(
      "filters by webhook, event and outcome, alone and combined",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { attempts, events, teamspace, webhooks } = yield* grid
        const [w0, w1] = webhooks
        const [e0, e1] = events
        const expected = (keep: (attempt: Attempt.Attempt) => boolean) => newestFirst(attempts.filter(keep))
        const list = (query: Omit<AttemptLog.AttemptQuery, "teamspace" | "limit">) =>
          Effect.map(log.list({ teamspace, limit: 100, ...query }), ids)

        expect(yield* list({ webhookId: w0 })).toEqual(expected((a) => a.webhookId === w0))
        expect(yield* list({ webhookId: w1 })).toEqual(expected((a) => a.webhookId === w1))
        expect(yield* list({ eventId: e1 })).toEqual(expected((a) => a.eventId === e1))
        expect(yield* list({ successful: true })).toEqual(expected((a) => a.successful))
        expect(yield* list({ successful: false })).toEqual(expected((a) => !a.successful))
        expect(yield* list({ webhookId: w1, eventId: e0 })).toEqual(
          expected((a) => a.webhookId === w1 && a.eventId === e0)
        )
        expect(yield* list({ webhookId: w0, successful: false })).toEqual(
          expected((a) => a.webhookId === w0 && !a.successful)
        )
        expect(yield* list({ eventId: e0, successful: true })).toEqual(
          expected((a) => a.eventId === e0 && a.successful)
        )
        expect(yield* list({ webhookId: w0, eventId: e1, successful: true })).toEqual(
          expected((a) => a.webhookId === w0 && a.eventId === e1 && a.successful)
        )
        expect(yield* list({ webhookId: Ids.makeWebhookId() })).toEqual([])
        expect(yield* list({ eventId: Ids.makeEventId() })).toEqual([])
      })
    )

    test(
      "before pages through everything, newest first, without gaps or repeats",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { attempts, teamspace } = yield* grid
        const seen: Array<string> = []
        let before: Ids.AttemptId | undefined = undefined
        for (let pages = 0; pages < 10; pages++) {
          const page: ReadonlyArray<Attempt.Attempt> = yield* log.list({ teamspace, limit: 5, before })
          if (page.length === 0) break
          expect(page.length).toBeLessThanOrEqual(5)
          seen.push(...ids(page))
          before = page[page.length - 1]!.id
        }
        expect(seen).toEqual(newestFirst(attempts))
        // `before` is exclusive.
        const all = newestFirst(attempts)
        expect(ids(yield* log.list({ teamspace, limit: 2, before: all[3] as Ids.AttemptId }))).toEqual(all.slice(4, 6))
      })
    )

    test(
      "before combines with filters",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { attempts, teamspace, webhooks } = yield* grid
        const expected = newestFirst(attempts.filter((a) => a.webhookId === webhooks[1] && !a.successful))
        const first = yield* log.list({ teamspace, webhookId: webhooks[1], successful: false, limit: 3 })
        expect(ids(first)).toEqual(expected.slice(0, 3))
        const second = yield* log.list({
          teamspace,
          webhookId: webhooks[1],
          successful: false,
          limit: 3,
          before: first[2]!.id
        })
        expect(ids(second)).toEqual(expected.slice(3, 6))
      })
    )

    test(
      "another teamspace sees none of the attempts",
      Effect.gen(function*() {
        const log = yield* AttemptLog.AttemptLog
        const { events, webhooks } = yield* grid
        const other = Fixtures.teamspace()
        expect(yield* log.list({ teamspace: other, limit: 100 })).toEqual([])
        expect(yield* log.list({ teamspace: other, webhookId: webhooks[0], limit: 100 })).toEqual([])
        expect(yield* log.list({ teamspace: other, eventId: events[0], limit: 100 })).toEqual([])
      })
    )
  })
