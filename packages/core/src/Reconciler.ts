/**
 * The reconciler: what makes the queue disposable when a `DeliveryLedger`
 * records (docs/postgres.md, section 4). Every `ReconcileSettings.intervalMs`, in
 * each worker, a pass reads the ledger and puts back in the queue what it owes
 * but the queue may have lost:
 *
 * 1. fan-outs left unfinished (a publish or a step that died, a lost
 *    `FanOutJob`): continued with `FanOut.step` from their cursor;
 * 2. owed deliveries whose job should have run by now: enqueued again;
 * 3. ordered webhooks' heads whose job was lost: enqueued again;
 * 4. ordered deliveries owed but in no sequence (a process that died between the
 *    two writes): entered in their webhook's sequence again, or, when the
 *    webhook is no longer ordered or gone, given a due time (3's and 2's paths).
 *
 * Only what has waited longer than `graceMs` is touched: the grace outlasts the
 * queue's own recovery of a dead worker's jobs (its lock and stalled check), so
 * a job the queue still holds, or is about to take back, is never doubled. And
 * re-enqueueing is idempotent anyway: a delivery's job id is its key, so an
 * enqueue of a job the queue holds (waiting, delayed or in flight) is a no-op.
 * The jobs the reconciler makes are `reconciled`: each claims its ledger row
 * before it is sent, so a delivery settled between the pass's read and the job's
 * run is dropped unsent.
 *
 * A queue that lost its data (a Redis restarted empty) is told by its epoch
 * (`DeliveryQueue.epoch`, a value its storage keeps): when it differs from the
 * one the ledger last recorded, the pass walks every owed delivery, not only the
 * overdue ones, each enqueued with what remains of its delay, and every ordered
 * head, then records the new epoch. A retry due in ten hours is then back in the
 * queue within a pass, not ten hours late.
 *
 * Passes in several workers at once are safe (each step is a compare-and-set,
 * each enqueue idempotent); they only repeat reads.
 */
import { Cause, Clock, Context, Duration, Effect, Option } from "effect"
import { DeliveryJob } from "./DeliveryJob.js"
import { DeliveryLedger, type OverdueCursor, type OwedDelivery } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { EventStore } from "./EventStore.js"
import { FanOut, FanOutStepChunks } from "./FanOut.js"
import type { WebhookId } from "./Ids.js"
import { forEachDiscard } from "./internal/ForEach.js"
import { Sequencer } from "./Sequencer.js"
import { SubscriptionStore } from "./SubscriptionStore.js"

/** How often a pass runs and how long owed work may wait before a pass touches it. */
export interface ReconcileSettingsShape {
  readonly intervalMs: number
  /**
   * Work younger than this is left to the queue: at least the queue's recovery of a dead worker's
   * jobs (BullMQ: lock duration + stalled interval), and twice the interval (`graceFor`).
   */
  readonly graceMs: number
}

/** One pass a minute; two minutes of grace (BullMQ's defaults recover a dead worker's jobs in 90 s). */
export const defaults: ReconcileSettingsShape = { intervalMs: 60_000, graceMs: 120_000 }

/** The grace for `intervalMs` beside a queue that recovers a dead worker's jobs within `queueRecoveryMs`. */
export const graceFor = (intervalMs: number, queueRecoveryMs: number): number => Math.max(2 * intervalMs, queueRecoveryMs)

/** The reconciler's settings; `defaults` unless a composition provides others. */
export class ReconcileSettings extends Context.Reference<ReconcileSettings>()("@herald/core/ReconcileSettings", {
  defaultValue: (): ReconcileSettingsShape => defaults
}) {}

/** Unfinished fan-outs continued per pass. */
export const FAN_OUT_LIMIT = 100
/** Owed deliveries read per page (a regular pass reads one page; a walk after a queue loss, all). */
export const PAGE = 5_000
/** Stranded ordered deliveries put back per pass. */
export const STRANDED_LIMIT = 1_000
/** Ordered heads read per page (a pass reads them all). */
export const HEAD_LIMIT = 1_000

/** What a pass did. */
export interface PassReport {
  /** Fan-outs continued. */
  readonly fanOuts: number
  /** Fan-outs dropped because their event expired. */
  readonly abandoned: number
  /** Deliveries enqueued again (most are no-ops in a queue that still holds them). */
  readonly deliveries: number
  /** Ordered heads enqueued again. */
  readonly heads: number
  /** Ordered deliveries found in no sequence, put back. */
  readonly stranded: number
  /** True when the queue's epoch changed: every owed delivery was walked. */
  readonly queueLost: boolean
  /**
   * Where the next pass's read of overdue deliveries continues (its page was full), so that a
   * backlog of overdue rows the queue still holds cannot hide the rows behind it pass after pass;
   * none: from the start.
   */
  readonly continueAfter?: OverdueCursor | undefined
}

/**
 * One item's work, its failure logged and left behind (a row that cannot be read, an event that
 * fails to decode): the rest of the pass goes on. An interruption still stops the pass.
 */
const isolated = <R>(what: string, effect: Effect.Effect<void, never, R>) =>
  effect.pipe(Effect.catchAllCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.failCause(cause)
      : Effect.logWarning(`reconcile: ${what} failed; tried again at the next pass`, cause)
  ))

/** A reconciled job for an owed delivery, at the attempt it makes next. */
const jobOf = (owed: Pick<OwedDelivery, "teamspace" | "eventId" | "webhookId" | "attempt">) =>
  new DeliveryJob({
    teamspace: owed.teamspace,
    eventId: owed.eventId,
    webhookId: owed.webhookId,
    attempt: owed.attempt,
    reconciled: true
  })

/** What a pass needs. */
type PassServices = DeliveryQueue | EventStore | FanOut | SubscriptionStore | Sequencer

/**
 * A pass whose read of overdue deliveries continues after `resume` (the previous pass's
 * `continueAfter`): what `run` repeats. Needs the `DeliveryLedger`, the `DeliveryQueue`, the
 * `EventStore`, the `SubscriptionStore`, `FanOut` and the `Sequencer`. Does nothing with a ledger
 * that does not record.
 */
export const passFrom = (resume?: OverdueCursor): Effect.Effect<PassReport, never, PassServices> => Effect.gen(function*() {
  const ledger = yield* DeliveryLedger
  const queue = yield* DeliveryQueue
  const events = yield* EventStore
  const fanOut = yield* FanOut
  const subscriptions = yield* SubscriptionStore
  const sequencer = yield* Sequencer
  const { graceMs } = yield* ReconcileSettings
  const chunks = yield* FanOutStepChunks
  if (!ledger.records) return { fanOuts: 0, abandoned: 0, deliveries: 0, heads: 0, stranded: 0, queueLost: false }

  const now = yield* Clock.currentTimeMillis
  const before = now - graceMs
  const epoch = queue.epoch === undefined ? Option.none<string>() : Option.some(yield* queue.epoch)
  const seen = yield* ledger.readEpoch
  // No epoch seen yet counts as lost: the first pass on a ledger walks what it owes.
  const queueLost = Option.isSome(epoch) && !(Option.isSome(seen) && seen.value === epoch.value)

  // 1. Fan-outs left half done.
  let fanOuts = 0
  let abandoned = 0
  for (const unfinished of yield* ledger.unfinishedFanOuts(before, FAN_OUT_LIMIT)) {
    yield* isolated(
      `continuing the fan-out of ${unfinished.eventId}`,
      Effect.gen(function*() {
        const event = yield* events.get(unfinished.teamspace, unfinished.eventId)
        if (Option.isNone(event)) {
          yield* ledger.abandonFanOut(unfinished.teamspace, unfinished.eventId, before)
          abandoned++
        } else {
          // A compare-and-set from its cursor: a step running meanwhile wins or loses cleanly.
          yield* fanOut.step(event.value, Option.getOrUndefined(unfinished.after), chunks)
          fanOuts++
        }
      })
    )
  }

  // 2. Owed deliveries: the overdue (one page), or after a queue loss every one, each with what is
  // left of its delay.
  let deliveries = 0
  const enqueuePage = (page: ReadonlyArray<OwedDelivery>) => {
    const byDelay = new Map<number, Array<DeliveryJob>>()
    for (const owed of page) {
      const delayMs = Math.max(0, owed.dueAt - now)
      const jobs = byDelay.get(delayMs) ?? []
      jobs.push(jobOf(owed))
      byDelay.set(delayMs, jobs)
    }
    deliveries += page.length
    return forEachDiscard([...byDelay], ([delayMs, jobs]) => queue.enqueue(jobs, { delayMs }), 8)
  }
  // A regular pass reads one page, from where the last one stopped; a walk reads them all.
  let after: OverdueCursor | undefined = queueLost ? undefined : resume
  let continueAfter: OverdueCursor | undefined
  for (;;) {
    const page = yield* ledger.overdue({ dueBefore: queueLost ? undefined : before, after, limit: PAGE })
    yield* enqueuePage(page)
    const last = page.at(-1)
    after = last === undefined || page.length < PAGE
      ? undefined
      : { dueAt: last.dueAt, webhookId: last.webhookId, eventId: last.eventId }
    if (!queueLost) continueAfter = after
    if (!queueLost || after === undefined) break
  }

  // 3. Ordered heads whose job was lost, every one (a head waiting on a long retry keeps its old
  // mark, so one page could hold the same webhooks at every pass): at their row's attempt, when due.
  let heads = 0
  let afterWebhook: WebhookId | undefined
  for (;;) {
    const page = yield* ledger.waitingHeads(queueLost ? now : before, HEAD_LIMIT, afterWebhook)
    yield* forEachDiscard(
      page,
      (head) => queue.enqueue([jobOf(head)], { delayMs: head.dueAt === null ? 0 : Math.max(0, head.dueAt - now) }),
      8
    )
    heads += page.length
    afterWebhook = page.at(-1)?.webhookId
    if (afterWebhook === undefined || page.length < HEAD_LIMIT) break
  }

  // 4. Ordered deliveries in no sequence: back in their webhook's, or due now if it is no longer
  // ordered (or gone: the Dispatcher then drops and settles them).
  const strandedRows = yield* ledger.stranded(before, STRANDED_LIMIT)
  for (const row of strandedRows) {
    yield* isolated(
      `putting back the ordered delivery of ${row.eventId} to ${row.webhookId}`,
      Effect.gen(function*() {
        const webhook = yield* subscriptions.get(row.teamspace, row.webhookId)
        if (Option.exists(webhook, (hook) => hook.ordered)) {
          yield* sequencer.start(row.teamspace, [{ webhook: { id: row.webhookId, ordered: true }, eventId: row.eventId }])
        } else {
          yield* ledger.release(row.teamspace, row.webhookId, [row.eventId], now)
          yield* queue.enqueue([jobOf({ ...row, attempt: 1 })])
        }
      })
    )
  }

  if (queueLost && Option.isSome(epoch)) yield* ledger.writeEpoch(epoch.value)
  return { fanOuts, abandoned, deliveries, heads, stranded: strandedRows.length, queueLost, continueAfter }
})

/** One pass from the start (`passFrom` without a place to resume). */
export const pass: Effect.Effect<PassReport, never, PassServices> = passFrom()

/** A pass, logged when it found something to do (a quiet pass says nothing). */
const logged = (resume: OverdueCursor | undefined) =>
  passFrom(resume).pipe(
  Effect.tap((report) =>
    report.fanOuts + report.abandoned + report.deliveries + report.heads + report.stranded > 0 || report.queueLost
      ? Effect.logInfo(
        `reconciled: ${report.fanOuts} fan-out(s) continued, ${report.abandoned} of expired events dropped, ` +
          `${report.deliveries} owed deliveries and ${report.heads} ordered head(s) enqueued again, ` +
          `${report.stranded} ordered deliveries put back in their sequence` +
          (report.queueLost ? " (the queue's epoch changed: every owed delivery walked)" : "")
      )
      : Effect.void
  ),
    // A pass that fails (the database or Redis down) is tried again at the next interval, from the start.
    Effect.catchAllCause((cause) =>
      Effect.as(Effect.logWarning("reconcile pass failed; trying again at the next interval", cause), undefined)
    ),
    Effect.map((report) => report?.continueAfter)
  )

/**
 * Starts the passes in the caller's scope when the `DeliveryLedger` records: one at once, then
 * every `ReconcileSettings.intervalMs`, until the scope closes. Returns at once. With `none`
 * (memory, Redis-only) it starts nothing.
 */
export const run = Effect.gen(function*() {
  const ledger = yield* DeliveryLedger
  if (!ledger.records) return
  const { intervalMs } = yield* ReconcileSettings
  const passes = Effect.iterate(undefined as OverdueCursor | undefined, {
    while: () => true,
    body: (resume) => Effect.zipLeft(logged(resume), Effect.sleep(Duration.millis(intervalMs)))
  })
  yield* Effect.forkScoped(passes)
})
