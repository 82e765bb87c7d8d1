/**
 * The delivery loop: consume the queue; deliver each delivery job, continue
 * each fan-out step. Runs until its
 * scope closes; the embedded default runs it inside the API process.
 *
 * With a recording `DeliveryLedger`, the loop keeps it in step with the queue,
 * writing before it answers: on `Done` it settles the delivery, on `Retry` it
 * records the next attempt and its due time (`scheduled`); `Defer` writes
 * nothing (the same attempt, still owed). Settling first means a process that
 * dies between the two leaves the job to BullMQ's stalled recovery, which runs
 * it again (at least once, as without a ledger); the other order would let the
 * reconciler, finding the row of a job the queue has just removed, send a
 * delivered event again. An outcome the attempt's record already wrote to the
 * ledger (`inLedger`, `AttemptLog.keepsLedger`) is not written again.
 */
import { Clock, Effect, Option } from "effect"
import { type DeliveryJob, type DeliveryOutcome, isFanOut } from "./DeliveryJob.js"
import { DeliveryLedger } from "./DeliveryLedger.js"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { DeliverySettings } from "./DeliverySettings.js"
import { Dispatcher } from "./Dispatcher.js"
import { FanOut } from "./FanOut.js"

/**
 * Starts the delivery loop in the caller's scope: consumes the `DeliveryQueue` with
 * `DeliverySettings.concurrency` handlers, each a delivery (`Dispatcher`) or a fan-out step
 * (`FanOut`), and records each delivery's outcome in the `DeliveryLedger` when it records. Use
 * `Herald.workerLayer`, which runs it as a layer.
 */
export const run = Effect.gen(function*() {
  const queue = yield* DeliveryQueue
  const dispatcher = yield* Dispatcher
  const fanOut = yield* FanOut
  const settings = yield* DeliverySettings
  const ledger = yield* DeliveryLedger

  /**
   * A delivery, then its outcome recorded. A `Done` the queue may run again (a give-up, an ordered
   * `sequenced`: a redelivery during the attempt re-runs them) settles only if no redelivery came
   * since the attempt started; any other `Done` settles whatever.
   */
  const recorded = (job: DeliveryJob): Effect.Effect<DeliveryOutcome> =>
    Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      const outcome = yield* dispatcher.deliver(job)
      if (outcome._tag !== "Defer" && outcome.inLedger === true) return outcome
      switch (outcome._tag) {
        case "Done": {
          const rerunnable = outcome.givenUp === true || outcome.sequenced === true
          yield* ledger.settle(job, rerunnable ? Option.some(startedAt) : Option.none())
          break
        }
        case "Retry": {
          yield* ledger.scheduled(job.next(), (yield* Clock.currentTimeMillis) + outcome.delayMs)
          break
        }
        case "Defer":
          break
      }
      return outcome
    })

  const deliver = ledger.records ? recorded : dispatcher.deliver
  yield* Effect.logInfo(`delivery worker started (concurrency ${settings.concurrency})`)
  yield* queue.consume(
    (task) => isFanOut(task) ? fanOut.continueFrom(task) : deliver(task),
    { concurrency: settings.concurrency }
  )
})
