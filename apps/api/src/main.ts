/**
 * `npm start`: read the configuration, then run this process's role on the
 * embedded default (memory) or, with REDIS_URL, on Redis and BullMQ.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Config from "./Config.js"
import * as Ports from "./Ports.js"
import * as Process from "./Process.js"

const program = Effect.gen(function*() {
  const config = yield* Config.config
  const onRedis = Config.hasRedis(config)
  if (!onRedis && config.role !== "all") {
    return yield* Effect.fail(
      new Error(`HERALD_ROLE=${config.role} needs REDIS_URL: the embedded default runs API and worker in one process`)
    )
  }
  if (config.role === "worker") {
    return yield* Layer.launch(Process.workerOnly({ settings: config.settings, ports: Ports.redis }))
  }
  const options = {
    listen: config,
    apiKeys: config.apiKeys,
    settings: config.settings,
    protection: config.protection,
    // Every API process on one Redis must accept the same keys, so none is invented at start.
    generateKey: !onRedis
  }
  return yield* Layer.launch(
    onRedis
      ? Process.layer(config.role, { ...options, ports: Ports.redis })
      : Process.layer(config.role, { ...options, ports: Ports.memory })
  ).pipe(
    // After the layers' finalizers: requests and deliveries in flight have finished, stores are closed.
    Effect.onInterrupt(() => Effect.logInfo(`Herald (${config.role}) stopped: work in flight finished`))
  )
})

NodeRuntime.runMain(program)
