/**
 * `npm start`: read the configuration, then run the API and delivery.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Config from "./Config.js"
import * as Embedded from "./Embedded.js"

const program = Effect.gen(function*() {
  const config = yield* Config.config
  if (Config.hasRedis(config)) {
    return yield* Effect.fail(
      new Error("REDIS_URL is set, but this build has no Redis adapters yet: unset it to run the embedded default")
    )
  }
  if (config.role !== "all") {
    return yield* Effect.fail(
      new Error(`HERALD_ROLE=${config.role} needs REDIS_URL: the embedded default runs API and worker in one process`)
    )
  }
  return yield* Layer.launch(Embedded.layer({ ...config, ...config.settings }))
})

NodeRuntime.runMain(program)
