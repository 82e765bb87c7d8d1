/**
 * The read side of deliveries: a teamspace's events, a webhook's attempts, and
 * an event with where each of its deliveries stands (derived from the attempt log).
 */
import { Effect, Option, Schema } from "effect"
import type { Attempt } from "./Attempt.js"
import { AttemptLog } from "./AttemptLog.js"
import { echo, EventNotFound, InvalidInput, WebhookNotFound } from "./Errors.js"
import type { Event } from "./Event.js"
import * as EventCursor from "./EventCursor.js"
import { EventStore } from "./EventStore.js"
import { parseFilter } from "./EventType.js"
import { AttemptId, isEventId, isWebhookId, type TeamspaceId, type WebhookId } from "./Ids.js"
import { SubscriptionStore } from "./SubscriptionStore.js"
import { checkLimit } from "./Webhooks.js"

/**
 * A page of one webhook's attempts for `DeliveryLog.attemptsOf`: at most `limit`, newest first,
 * optionally of one event type or by outcome.
 */
export interface AttemptPageQuery {
  readonly limit: number
  /** The last attempt id of the previous page (pages go newest first). */
  readonly cursor?: string | undefined
  readonly eventType?: string | undefined
  readonly successful?: boolean | undefined
}

/**
 * A page of a teamspace's events for `DeliveryLog.listEvents`: at most `limit`, newest first,
 * optionally filtered by types and creation time.
 */
export interface EventPageQuery {
  readonly limit: number
  /** The `nextCursor` of the previous page (pages go newest first). */
  readonly cursor?: string | undefined
  /** Only events of any of these types: a list, or one text of them separated by commas (`EventType.parseFilter`). */
  readonly types?: string | ReadonlyArray<string> | undefined
  /** The parameter `types` was sent as, which a refusal names; `types` by default. */
  readonly typesParam?: string | undefined
  /** Only events created at or after this time (epoch ms). */
  readonly createdAfter?: number | undefined
  /** Only events created before this time (epoch ms). */
  readonly createdBefore?: number | undefined
}

/** A page of events, newest first, with the cursor of the next page. */
export interface EventPage {
  readonly data: ReadonlyArray<Event>
  /** Where the next page starts; null on the last page. */
  readonly nextCursor: string | null
}

/** Where one subscription's delivery of an event stands. */
export interface DeliveryStatus {
  readonly webhookId: WebhookId
  /** `pending`: failed so far, another attempt is scheduled. */
  readonly status: "succeeded" | "pending" | "failed"
  readonly attempts: number
  readonly lastAttemptAt: number
  readonly nextAttemptAt: number | null
}

/** An event and where each of its deliveries stands, one entry per webhook that was attempted. */
export interface EventWithDeliveries {
  readonly event: Event
  readonly deliveries: ReadonlyArray<DeliveryStatus>
}

/** Attempts read to summarise one event's deliveries. */
const MAX_ATTEMPTS_PER_EVENT = 1000

const isAttemptId = Schema.is(AttemptId)

const badCursor = (cursor: string) =>
  InvalidInput.single(["cursor"], `cursor must be a cursor from a previous page of this list, not ${echo(cursor)}`)

/**
 * Sums attempts (newest first, as the log lists them) into one `DeliveryStatus` per webhook: its
 * latest outcome and how many attempts were made.
 */
export const summarise = (attempts: ReadonlyArray<Attempt>): ReadonlyArray<DeliveryStatus> => {
  // Newest first, so the first attempt seen per webhook is its latest.
  const byWebhook = new Map<WebhookId, { latest: Attempt; count: number }>()
  for (const attempt of attempts) {
    const seen = byWebhook.get(attempt.webhookId)
    if (seen === undefined) byWebhook.set(attempt.webhookId, { latest: attempt, count: 1 })
    else seen.count++
  }
  return [...byWebhook.values()].map(({ count, latest }) => ({
    webhookId: latest.webhookId,
    status: latest.successful ? "succeeded" : latest.nextAttemptAt !== null ? "pending" : "failed",
    attempts: count,
    lastAttemptAt: latest.attemptedAt,
    nextAttemptAt: latest.nextAttemptAt
  }))
}

/**
 * The read side of deliveries, what the API's list routes use: `attemptsOf` (a webhook's attempts,
 * a page at a time; fails with `WebhookNotFound` for an unknown webhook and `InvalidInput` for a
 * bad limit or cursor), `eventWithDeliveries` (an event and its deliveries' status; fails with
 * `EventNotFound`) and `listEvents` (a teamspace's events by type and time; fails with
 * `InvalidInput`).
 *
 * Needs the `AttemptLog`, `EventStore` and `SubscriptionStore` ports; part of
 * `Herald.servicesLayer`.
 */
export class DeliveryLog extends Effect.Service<DeliveryLog>()("@herald/core/DeliveryLog", {
  effect: Effect.gen(function*() {
    const attempts = yield* AttemptLog
    const events = yield* EventStore
    const subscriptions = yield* SubscriptionStore

    const attemptsOf = (teamspace: TeamspaceId, webhookId: string, query: AttemptPageQuery) =>
      Effect.gen(function*() {
        if (!isWebhookId(webhookId) || Option.isNone(yield* subscriptions.get(teamspace, webhookId))) {
          return yield* Effect.fail(new WebhookNotFound({ id: webhookId }))
        }
        yield* checkLimit(query.limit)
        if (query.cursor !== undefined && !isAttemptId(query.cursor)) {
          return yield* Effect.fail(badCursor(query.cursor))
        }
        const rows = yield* attempts.list({
          teamspace,
          webhookId,
          eventType: query.eventType,
          successful: query.successful,
          before: query.cursor,
          limit: query.limit + 1
        })
        return { data: rows.slice(0, query.limit), hasMore: rows.length > query.limit }
      })

    const eventWithDeliveries = (teamspace: TeamspaceId, eventId: string) =>
      Effect.gen(function*() {
        const event = isEventId(eventId) ? yield* events.get(teamspace, eventId) : Option.none()
        if (Option.isNone(event)) return yield* Effect.fail(new EventNotFound({ id: eventId }))
        const log = yield* attempts.list({ teamspace, eventId: event.value.id, limit: MAX_ATTEMPTS_PER_EVENT })
        return { event: event.value, deliveries: summarise(log) } satisfies EventWithDeliveries
      })

    const listEvents = (teamspace: TeamspaceId, query: EventPageQuery) =>
      Effect.gen(function*() {
        yield* checkLimit(query.limit)
        const before = query.cursor === undefined ? Option.none() : EventCursor.decode(query.cursor)
        if (query.cursor !== undefined && Option.isNone(before)) {
          return yield* Effect.fail(badCursor(query.cursor))
        }
        const types = yield* parseFilter(query.types ?? [], query.typesParam ?? "types")
        const rows = yield* events.list({
          teamspace,
          types,
          createdAfter: query.createdAfter,
          createdBefore: query.createdBefore,
          before: Option.getOrUndefined(before),
          limit: query.limit + 1
        })
        const data = rows.slice(0, query.limit)
        const last = data.at(-1)
        return {
          data,
          nextCursor: rows.length > query.limit && last !== undefined ? EventCursor.encode(last) : null
        } satisfies EventPage
      })

    return { attemptsOf, eventWithDeliveries, listEvents } as const
  })
}) {}
