/**
 * The delivery loop: consume the queue; deliver each delivery job, continue
 * each fan-out step. Runs until its
 * scope closes; the embedded default runs it inside the API process.
 */
import { Effect } from "effect"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { DeliverySettings } from "./DeliverySettings.js"
import { isFanOut } from "./DeliveryJob.js"
import { Dispatcher } from "./Dispatcher.js"
import { FanOut } from "./FanOut.js"

/**
 * Starts the delivery loop in the caller's scope: consumes the `DeliveryQueue` with
 * `DeliverySettings.concurrency` handlers, each a delivery (`Dispatcher`) or a fan-out step
 * (`FanOut`). Use `Herald.workerLayer`, which runs it as a layer.
 */
export const run = Effect.gen(function*() {
  const queue = yield* DeliveryQueue
  const dispatcher = yield* Dispatcher
  const fanOut = yield* FanOut
  const settings = yield* DeliverySettings
  yield* Effect.logInfo(`delivery worker started (concurrency ${settings.concurrency})`)
  yield* queue.consume(
    (task) => isFanOut(task) ? fanOut.continueFrom(task) : dispatcher.deliver(task),
    { concurrency: settings.concurrency }
  )
})
