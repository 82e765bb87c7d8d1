/**
 * DeliveryLedger in memory: the recording ledger's reference, for core tests and
 * the conformance suite. The embedded default does not use it (`MemoryLayer`
 * keeps `DeliveryLedger.none`: the queue in memory is the record, and a ledger
 * in the same process memory would survive nothing the queue does not).
 *
 * Owed rows live in a Map keyed by the delivery's key; fan-out cursors in a Map
 * keyed by (teamspace, event id). Every operation is one synchronous step, hence
 * atomic.
 *
 * Unlike PostgreSQL's, this ledger does not share its storage with the event
 * store, so it never sees an append: a cursor it has not seen stands at none
 * (the first step of any event it is asked to owe wins), and `unfinishedFanOuts`
 * lists only fan-outs that have owed at least one step. A finished fan-out's
 * cursor is kept (as finished) so that a late run of a step still loses; it is
 * tied to the event's `createdAt`, so an expired id published again starts
 * afresh, as PostgreSQL's append resets the cursor. Those kept cursors grow with
 * the events fanned out: fine for tests, the reason this is not the default.
 */
import { Clock, Effect, Layer, Option } from "effect"
import { type DeliveryJob, DeliveryLedger, type Event, type Ids } from "@herald/core"
import * as MemorySequenceStore from "./MemorySequenceStore.js"

interface Row {
  readonly teamspace: Ids.TeamspaceId
  readonly eventId: Ids.EventId
  readonly webhookId: Ids.WebhookId
  attempt: number
  dueAt: number | null
  redeliveredAt: number | null
  requeues: number
  /** When it was owed (the ledger's clock): how old a row with no due time is. */
  readonly owedAt: number
}

interface Cursor {
  readonly teamspace: Ids.TeamspaceId
  readonly eventId: Ids.EventId
  /** The event's `createdAt`: a cursor of an earlier event with the same id does not count. */
  readonly createdAt: number
  after: Ids.WebhookId | null
  finished: boolean
  updatedAt: number
}

const keyOf = (webhookId: Ids.WebhookId, eventId: Ids.EventId) => `${webhookId}.${eventId}`
/** `\n` appears in no teamspace or event id. */
const cursorKeyOf = (teamspace: Ids.TeamspaceId, eventId: Ids.EventId) => `${teamspace}\n${eventId}`

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** (dueAt, webhookId, eventId) order, the order of `overdue`'s pages. */
const compareOwed = (
  a: { readonly dueAt: number; readonly webhookId: string; readonly eventId: string },
  b: { readonly dueAt: number; readonly webhookId: string; readonly eventId: string }
) => a.dueAt - b.dueAt || compareText(a.webhookId, b.webhookId) || compareText(a.eventId, b.eventId)

/**
 * A new, empty in-memory `DeliveryLedger` reading ordered heads from `sequences` (the
 * `MemorySequenceStore` the composition uses). Most callers want `layer`.
 */
export const make = (sequences: MemorySequenceStore.MemorySequenceStoreShape): Effect.Effect<DeliveryLedger.DeliveryLedgerShape> =>
  Effect.sync(() => {
    const rows = new Map<string, Row>()
    const cursors = new Map<string, Cursor>()
    let epoch = Option.none<string>()

    const owe = (
      event: Event.Event,
      targets: ReadonlyArray<DeliveryLedger.Owed>,
      from: Option.Option<Ids.WebhookId>,
      to: Option.Option<Ids.WebhookId>
    ) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const key = cursorKeyOf(event.teamspace, event.id)
        const known = cursors.get(key)
        const cursor: Cursor = known !== undefined && known.createdAt === event.createdAt
          ? known
          : { teamspace: event.teamspace, eventId: event.id, createdAt: event.createdAt, after: null, finished: false, updatedAt: now }
        if (cursor.finished || cursor.after !== Option.getOrNull(from)) return false
        for (const target of targets) {
          const rowKey = keyOf(target.webhookId, event.id)
          if (rows.has(rowKey)) continue
          rows.set(rowKey, {
            teamspace: event.teamspace,
            eventId: event.id,
            webhookId: target.webhookId,
            attempt: 1,
            dueAt: target.dueAt,
            redeliveredAt: null,
            requeues: 0,
            owedAt: now
          })
        }
        cursor.after = Option.getOrNull(to)
        cursor.finished = Option.isNone(to)
        cursor.updatedAt = now
        cursors.set(key, cursor)
        return true
      })

    const oweAll = (steps: ReadonlyArray<DeliveryLedger.Step>) =>
      Effect.forEach(steps, (step) => owe(step.event, step.targets, step.from, step.to))

    const settle = (job: DeliveryJob.DeliveryJob, startedAt: Option.Option<number>) =>
      Effect.sync(() => {
        const key = keyOf(job.webhookId, job.eventId)
        const row = rows.get(key)
        if (row === undefined) return
        const redeliveredDuring = Option.isSome(startedAt) && row.redeliveredAt !== null && row.redeliveredAt >= startedAt.value
        if (!redeliveredDuring) rows.delete(key)
      })

    const scheduled = (job: DeliveryJob.DeliveryJob, dueAt: number) =>
      Effect.sync(() => {
        const key = keyOf(job.webhookId, job.eventId)
        const row = rows.get(key)
        if (row === undefined) {
          rows.set(key, {
            teamspace: job.teamspace,
            eventId: job.eventId,
            webhookId: job.webhookId,
            attempt: job.attempt,
            dueAt,
            redeliveredAt: null,
            requeues: 0,
            owedAt: dueAt
          })
          return
        }
        row.attempt = job.attempt
        row.dueAt = dueAt
        row.requeues = 0
      })

    const claim = (job: DeliveryJob.DeliveryJob) =>
      Effect.sync(() => {
        const row = rows.get(keyOf(job.webhookId, job.eventId))
        if (row === undefined) return Option.none<number>()
        row.requeues += 1
        return Option.some(row.requeues)
      })

    const earlier = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b))

    const redeliver = (teamspace: Ids.TeamspaceId, deliveries: ReadonlyArray<DeliveryLedger.Redelivery>, at: number) =>
      Effect.sync(() => {
        for (const delivery of deliveries) {
          const key = keyOf(delivery.webhookId, delivery.eventId)
          const row = rows.get(key)
          if (row === undefined) {
            rows.set(key, {
              teamspace,
              eventId: delivery.eventId,
              webhookId: delivery.webhookId,
              attempt: 1,
              dueAt: delivery.dueAt,
              redeliveredAt: at,
              requeues: 0,
              owedAt: at
            })
            continue
          }
          row.dueAt = earlier(row.dueAt, delivery.dueAt)
          row.redeliveredAt = at
          row.requeues = 0
        }
      })

    const release = (_teamspace: Ids.TeamspaceId, webhookId: Ids.WebhookId, eventIds: ReadonlyArray<Ids.EventId>, dueAt: number) =>
      Effect.sync(() => {
        for (const eventId of eventIds) {
          const row = rows.get(keyOf(webhookId, eventId))
          if (row !== undefined && row.dueAt === null) row.dueAt = dueAt
        }
      })

    const unfinishedFanOuts = (before: number, limit: number) =>
      Effect.sync(() =>
        [...cursors.values()]
          .filter((cursor) => !cursor.finished && cursor.updatedAt < before)
          .sort((a, b) => a.updatedAt - b.updatedAt)
          .slice(0, limit)
          .map((cursor): DeliveryLedger.UnfinishedFanOut => ({
            teamspace: cursor.teamspace,
            eventId: cursor.eventId,
            after: Option.fromNullable(cursor.after),
            updatedAt: cursor.updatedAt
          }))
      )

    const abandonFanOut = (teamspace: Ids.TeamspaceId, eventId: Ids.EventId, before: number) =>
      Effect.sync(() => {
        const key = cursorKeyOf(teamspace, eventId)
        const cursor = cursors.get(key)
        // Kept as finished, not deleted: a late step of the abandoned fan-out still loses.
        if (cursor !== undefined && !cursor.finished && cursor.updatedAt < before) cursor.finished = true
      })

    const overdue = (query: DeliveryLedger.OverdueQuery) =>
      Effect.sync(() => {
        const found: Array<DeliveryLedger.OwedDelivery> = []
        for (const row of rows.values()) {
          if (row.dueAt === null) continue
          if (query.dueBefore !== undefined && !(row.dueAt < query.dueBefore)) continue
          const owed = {
            teamspace: row.teamspace,
            eventId: row.eventId,
            webhookId: row.webhookId,
            attempt: row.attempt,
            dueAt: row.dueAt
          }
          if (query.after !== undefined && compareOwed(owed, query.after) <= 0) continue
          found.push(owed)
        }
        return found.sort(compareOwed).slice(0, query.limit)
      })

    const waitingHeads = (before: number, limit: number, after?: Ids.WebhookId) =>
      Effect.map(sequences.heads, (heads) =>
        heads
          .filter((head) => head.since < before && (after === undefined || head.webhookId > after))
          .sort((a, b) => a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0)
          .slice(0, limit)
          .map((head): DeliveryLedger.WaitingHead => {
            const row = rows.get(keyOf(head.webhookId, head.eventId))
            return { ...head, attempt: row?.attempt ?? 1, dueAt: row?.dueAt ?? null }
          }))

    const stranded = (before: number, limit: number) =>
      Effect.gen(function*() {
        const found: Array<DeliveryLedger.StrandedDelivery> = []
        for (const row of rows.values()) {
          if (found.length >= limit) break
          if (row.dueAt !== null || Math.max(row.owedAt, row.redeliveredAt ?? row.owedAt) >= before) continue
          if (yield* sequences.isWaiting(row.teamspace, row.webhookId, row.eventId)) continue
          found.push({ teamspace: row.teamspace, eventId: row.eventId, webhookId: row.webhookId })
        }
        return found
      })

    return {
      records: true,
      owe,
      oweAll,
      settle,
      scheduled,
      claim,
      redeliver,
      release,
      unfinishedFanOuts,
      abandonFanOut,
      overdue,
      waitingHeads,
      stranded,
      readEpoch: Effect.sync(() => epoch),
      writeEpoch: (value: string) =>
        Effect.sync(() => {
          epoch = Option.some(value)
        })
    }
  })

/**
 * Provides a recording `DeliveryLedger` in memory, empty at each build, over the composition's
 * `MemorySequenceStore` (`MemorySequenceStore.layer` provides it). Not part of `MemoryLayer.layer`.
 */
export const layer: Layer.Layer<DeliveryLedger.DeliveryLedger, never, MemorySequenceStore.MemorySequenceStore> = Layer.effect(
  DeliveryLedger.DeliveryLedger,
  Effect.flatMap(MemorySequenceStore.MemorySequenceStore, make)
)
