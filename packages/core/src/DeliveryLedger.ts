/**
 * Port: the durable record of what is owed to whom (docs/postgres.md, section 4).
 * A delivery is owed from the moment its fan-out step (or a redelivery, or a
 * test send) records it until the attempt that ends it settles it; a fan-out is
 * unfinished until every matching webhook has been owed. The queue holds only
 * work in flight: whatever it loses, a reconciler rebuilds from here.
 *
 * Order of writes, which every caller keeps: owe, then enqueue; settle (or
 * `scheduled`), then answer the queue. So no job is ever queued for a delivery
 * the ledger does not owe, and a delivery settled here is never still queued
 * but by an attempt that has already ended.
 *
 * Memory and Redis-only run with `none`, which records nothing and costs
 * nothing (no round trip, no allocation on the hot path): callers test
 * `records` before building what a recording ledger would need. It is the
 * default, so a composition that provides no ledger keeps today's behaviour.
 *
 * Times are epoch milliseconds, from the caller's `Clock` when a parameter
 * carries them. Stamps the ledger writes itself (a fan-out's `updatedAt`, an
 * ordered head's `since`) come from the adapter's clock (PostgreSQL's `now()`),
 * which is assumed to agree with the processes' within the skew that the rate
 * limiter already assumes (NTP).
 */
import { Context, Effect, Option } from "effect"
import type { DeliveryJob } from "./DeliveryJob.js"
import type { Event } from "./Event.js"
import type { EventId, TeamspaceId, WebhookId } from "./Ids.js"

/**
 * A delivery to owe at attempt 1: its webhook and when its first job is due. `dueAt` is null for an
 * ordered webhook's delivery, which waits behind its sequence's head (the reconciler finds a lost
 * head through `waitingHeads`, not by its due time).
 */
export interface Owed {
  readonly webhookId: WebhookId
  readonly dueAt: number | null
}

/** One fan-out step to owe, as `DeliveryLedgerShape.owe` takes it: `oweAll`'s element. */
export interface Step {
  readonly event: Event
  readonly targets: ReadonlyArray<Owed>
  readonly from: Option.Option<WebhookId>
  readonly to: Option.Option<WebhookId>
}

/** A redelivery to record: an event for a webhook, due at `dueAt` (null: an ordered webhook's). */
export interface Redelivery {
  readonly eventId: EventId
  readonly webhookId: WebhookId
  readonly dueAt: number | null
}

/** A fan-out not yet fully owed, as `unfinishedFanOuts` reads it. */
export interface UnfinishedFanOut {
  readonly teamspace: TeamspaceId
  readonly eventId: EventId
  /** The last webhook owed so far (the cursor), none when no step has owed anything. */
  readonly after: Option.Option<WebhookId>
  /** When the cursor was last written: by the event's append, or by the step that moved it. */
  readonly updatedAt: number
}

/** An owed delivery with a due time, as `overdue` reads it. */
export interface OwedDelivery {
  readonly teamspace: TeamspaceId
  readonly eventId: EventId
  readonly webhookId: WebhookId
  /** The attempt its job makes next. */
  readonly attempt: number
  /** When that job is due. */
  readonly dueAt: number
}

/**
 * Where a page of `overdue` starts: strictly after this row in (dueAt, webhookId, eventId) order,
 * the last row of the previous page.
 */
export interface OverdueCursor {
  readonly dueAt: number
  readonly webhookId: WebhookId
  readonly eventId: EventId
}

/** What `overdue` reads: owed rows due before `dueBefore` (absent: every row with a due time). */
export interface OverdueQuery {
  readonly dueBefore?: number | undefined
  readonly after?: OverdueCursor | undefined
  readonly limit: number
}

/** An ordered webhook's delivery owed with no due time that waits in no sequence, as `stranded` reads it. */
export interface StrandedDelivery {
  readonly teamspace: TeamspaceId
  readonly eventId: EventId
  readonly webhookId: WebhookId
}

/** The head of an ordered webhook's sequence, with its owed row's state, as `waitingHeads` reads it. */
export interface WaitingHead {
  readonly teamspace: TeamspaceId
  readonly webhookId: WebhookId
  readonly eventId: EventId
  /** Since when it has been the head. */
  readonly since: number
  /** Its owed row's next attempt; 1 when it has no row. */
  readonly attempt: number
  /** Its owed row's due time: null while it waits for its first attempt, or when it has no row. */
  readonly dueAt: number | null
}

/**
 * What a delivery ledger implements (`DeliveryLedger.none`, `MemoryDeliveryLedger`,
 * `PostgresDeliveryLedger`). Each operation is atomic: one statement or transaction; a concurrent caller
 * sees it whole or not at all. A recording adapter runs the conformance suite in
 * `@herald/testkit/conformance` (`DeliveryLedgerSuite`).
 *
 * Rows are keyed by the delivery (`DeliveryJob.key`: webhook and event; a webhook id implies its
 * teamspace). A fan-out's cursor is keyed by (teamspace, event id) and, where the event store
 * shares the ledger's storage (PostgreSQL), is written in the append's own statement: at none by
 * `EventStore.append`, so it exists from the append until the fan-out is fully owed; by
 * `EventStore.appendOwing`, which owes the first step itself, at that step's last target, and only
 * when more remain.
 */
export interface DeliveryLedgerShape {
  /**
   * False for `none`: nothing is recorded, every write is a no-op, every read is empty, and `owe`
   * always wins. Callers test it to skip building a recording ledger's arguments.
   */
  readonly records: boolean
  /**
   * Owes one fan-out step's deliveries of `event` (`targets`, each at attempt 1 and its `dueAt`)
   * and moves the event's fan-out cursor from `from` to `to` (none: fully owed, the cursor is
   * removed), atomically: both or neither.
   *
   * The cursor moves by compare-and-set: only when it stands at `from` (none matching a cursor at
   * none; a cursor that does not exist, because the fan-out finished or was never begun, matches
   * nothing). Returns true when this call moved it (and owed the targets); false, having written
   * nothing, when it did not: another run of the same step won, or the fan-out is further on or
   * finished. A loser must enqueue nothing. So two runs of one step never owe a delivery twice,
   * and a delivery settled since is never owed again by a late step.
   *
   * A target already owed (a redelivery got there first) keeps its row as it is.
   */
  readonly owe: (
    event: Event,
    targets: ReadonlyArray<Owed>,
    from: Option.Option<WebhookId>,
    to: Option.Option<WebhookId>
  ) => Effect.Effect<boolean>
  /**
   * `owe` for each of `steps`, a result per step in their order: each step's compare-and-set and
   * deliveries exactly as `owe` would (a step that loses writes nothing and does not stop the
   * others). A batch publish's one write where the adapter can (one statement on PostgreSQL).
   * Steps of one event are owed in their order, as consecutive `owe`s.
   */
  readonly oweAll: (steps: ReadonlyArray<Step>) => Effect.Effect<ReadonlyArray<boolean>>
  /**
   * The delivery ended (delivered, given up, or dropped): its row is removed, unless `startedAt` is
   * some and a redelivery was recorded at or after it (`redelivered_at >= startedAt`), in which
   * case the row stays, since the queue runs that delivery again (`DeliveryQueue.expedite`:
   * a give-up or an ordered `sequenced` during which a redelivery arrived). `startedAt` is none for
   * an outcome the queue never runs again (a plain `Done`): the row goes whatever its
   * `redelivered_at`. A row already gone is left gone.
   */
  readonly settle: (job: DeliveryJob, startedAt: Option.Option<number>) => Effect.Effect<void>
  /**
   * The delivery's next job is `job` (its attempt: the one made next), due at `dueAt`: an upsert
   * setting the attempt and due time and `requeues` back to 0, keeping `redelivered_at`. It owes
   * again a row a settle took (a redelivery's re-run that fails after clock skew let the settle
   * through). No row is made for an event the ledger's storage no longer knows (expired).
   */
  readonly scheduled: (job: DeliveryJob, dueAt: number) => Effect.Effect<void>
  /**
   * For a job the reconciler enqueued (`DeliveryJob.reconciled`), before it is sent: increments the
   * row's `requeues` and returns the new count; none when there is no row (the delivery was
   * settled after the reconciler read it): the job must then be dropped unsent. Concurrent claims
   * each count.
   */
  readonly claim: (job: DeliveryJob) => Effect.Effect<Option.Option<number>>
  /**
   * Owes these deliveries again for a manual redelivery, before the queue expedites them: a row per
   * delivery with `redelivered_at = at` and `requeues` 0. A new row is attempt 1 due at its
   * `dueAt`; an existing row keeps its attempt (the queue makes a waiting retry due as the attempt
   * it was) and takes the earlier of its due time and the given one (a null one ignored). No row is
   * made for an event the ledger's storage no longer knows (expired).
   */
  readonly redeliver: (teamspace: TeamspaceId, deliveries: ReadonlyArray<Redelivery>, at: number) => Effect.Effect<void>
  /**
   * An ordered webhook's waiting deliveries stopped waiting their turn (the webhook stopped being
   * ordered, or was deleted; `Sequencer.release` and `discard`): those of `eventIds` still without
   * a due time are given `dueAt`, so the reconciler finds them if their jobs are lost (a deleted
   * webhook's are then dropped and settled by the Dispatcher). Other rows are left as they are.
   */
  readonly release: (
    teamspace: TeamspaceId,
    webhookId: WebhookId,
    eventIds: ReadonlyArray<EventId>,
    dueAt: number
  ) => Effect.Effect<void>
  /**
   * The reconciler's first read: fan-outs whose cursor was last written before `before` (a publish
   * or a step that died, a lost `FanOutJob`), oldest first, at most `limit`. It continues each
   * with `FanOut.step` from its `after` (a compare-and-set: a step running meanwhile wins or loses
   * cleanly).
   */
  readonly unfinishedFanOuts: (before: number, limit: number) => Effect.Effect<ReadonlyArray<UnfinishedFanOut>>
  /**
   * Removes a fan-out cursor whose event no longer exists (expired), if it was still last written
   * before `before` (so an expired id appended again, which resets its cursor, keeps the new one).
   */
  readonly abandonFanOut: (teamspace: TeamspaceId, eventId: EventId, before: number) => Effect.Effect<void>
  /**
   * The reconciler's second read, a keyset page: owed deliveries with a due time before `dueBefore`
   * (every one with a due time when absent), in (dueAt, webhookId, eventId) order after `after`, at
   * most `limit`. Rows without a due time (ordered, waiting their turn) are never returned.
   */
  readonly overdue: (query: OverdueQuery) => Effect.Effect<ReadonlyArray<OwedDelivery>>
  /**
   * The reconciler's third read: the head of each ordered webhook's sequence that has been the head
   * since before `before` (the `SequenceStore`'s; set when it became the head), with its owed row's
   * attempt and due time, at most `limit`, in webhook id order, of webhooks after `after` (the last
   * of the previous page) when given.
   */
  readonly waitingHeads: (
    before: number,
    limit: number,
    after?: WebhookId | undefined
  ) => Effect.Effect<ReadonlyArray<WaitingHead>>
  /**
   * The reconciler's fourth read: deliveries owed with no due time (an ordered webhook's, waiting
   * its turn) that wait in no sequence of the `SequenceStore` the ledger is composed with, owed
   * (or redelivered) before `before`, at most `limit`. A process that died between owing them and
   * entering them in their sequence (or between draining a sequence and `release`) leaves them so:
   * nothing else would ever find them. Rows of events the storage no longer knows count as old.
   */
  readonly stranded: (before: number, limit: number) => Effect.Effect<ReadonlyArray<StrandedDelivery>>
  /**
   * The queue epoch the reconciler last saw (a random value it keeps in the queue's Redis; a
   * different or missing one there means Redis lost its data); none before the first.
   */
  readonly readEpoch: Effect.Effect<Option.Option<string>>
  /** Records the queue epoch the reconciler has now seen (replacing the previous one). */
  readonly writeEpoch: (epoch: string) => Effect.Effect<void>
}

const noneOwe: DeliveryLedgerShape["owe"] = () => Effect.succeed(true)
const nothing = () => Effect.void
const emptyRead = () => Effect.succeed([])

/**
 * The ledger that records nothing: memory and Redis-only, where the queue itself is the record of
 * what is owed. Every write succeeds at once, `owe` always wins, reads are empty, `claim` finds no
 * row (no job is ever reconciled without a recording ledger).
 */
export const none: DeliveryLedgerShape = {
  records: false,
  owe: noneOwe,
  oweAll: (steps) => Effect.succeed(steps.map(() => true)),
  settle: nothing,
  scheduled: nothing,
  claim: () => Effect.succeed(Option.none()),
  redeliver: nothing,
  release: nothing,
  unfinishedFanOuts: emptyRead,
  abandonFanOut: nothing,
  overdue: emptyRead,
  waitingHeads: emptyRead,
  stranded: emptyRead,
  readEpoch: Effect.succeed(Option.none()),
  writeEpoch: nothing
}

/**
 * The delivery ledger port. `none` unless a composition provides one (`PostgresDeliveryLedger`; in tests
 * `MemoryDeliveryLedger`): a `Context.Reference`, so memory and Redis-only compositions, which
 * provide nothing, keep today's behaviour. `FanOut`, `Publisher.sendTest`, the `Worker`, the
 * `Dispatcher`, the `Sequencer` and `Replay` write it.
 */
export class DeliveryLedger extends Context.Reference<DeliveryLedger>()("@herald/core/DeliveryLedger", {
  defaultValue: (): DeliveryLedgerShape => none
}) {}
