/**
 * Herald inside your own Effect application, on the memory adapters: no Redis,
 * no second process. The application creates a webhook, publishes events from
 * its own code, and Herald's delivery loop runs in the same process; a receiver
 * (standing in for your customer's endpoint) verifies each delivery with
 * `@herald/verify`. What the application does is in `Application.ts`.
 *
 * Run it: `npx turbo run build --filter=@herald/example-effect...`, then
 * `npm start -w @herald/example-effect`.
 */
import { Herald } from "@herald/core"
import { MemoryLayer } from "@herald/memory"
import { UndiciTransport } from "@herald/undici"
import { Effect, Layer } from "effect"
import * as Application from "./Application.js"
import * as Main from "./Main.js"

/** The delivery loop over Herald's services, every store and the queue in memory. */
export const HeraldLive = Herald.workerLayer.pipe(
  Layer.provideMerge(Application.heraldServices(Layer.merge(MemoryLayer.layer, UndiciTransport.layer())))
)

export const program = Application.publishAndReceive.pipe(Effect.provide(HeraldLive))

Main.runIfMain(import.meta.url, Effect.flatMap(program, Application.report))
