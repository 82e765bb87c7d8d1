/**
 * The delivery loop: consume the queue and dispatch each job. Runs until its
 * scope closes; the embedded default runs it inside the API process.
 */
import { Effect } from "effect"
import { DeliveryQueue } from "./DeliveryQueue.js"
import { DeliverySettings } from "./DeliverySettings.js"
import { Dispatcher } from "./Dispatcher.js"

export const run = Effect.gen(function*() {
  const queue = yield* DeliveryQueue
  const dispatcher = yield* Dispatcher
  const settings = yield* DeliverySettings
  yield* Effect.logInfo(`delivery worker started (concurrency ${settings.concurrency})`)
  yield* queue.consume(dispatcher.deliver, { concurrency: settings.concurrency })
})
