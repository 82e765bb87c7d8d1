/**
 * The delivery worker process: consumes the BullMQ queue on Redis and delivers.
 * Run as many as throughput needs; a crashed worker's jobs are taken over by the
 * others once its lock expires. SIGTERM (or SIGINT) stops taking jobs, lets the
 * deliveries in flight finish, then exits.
 */
import { NodeRuntime } from "@effect/platform-node"
import * as BullMQ from "@herald/bullmq"
import { Herald } from "@herald/core"
import * as Profiles from "@herald/http/Profiles"
import * as Redis from "@herald/redis"
import * as Undici from "@herald/undici"
import { Config, ConfigError, Effect, Layer } from "effect"

const ports = Layer.mergeAll(
  Redis.RedisLayer.layerConfig.pipe(Layer.provide(Redis.RedisClient.layerConfig)),
  BullMQ.BullMQDeliveryQueue.layerConfig,
  Undici.UndiciTransport.layer()
)

const program = Effect.gen(function*() {
  // Read first, so a missing REDIS_URL is reported by name before anything connects.
  yield* Config.redacted("REDIS_URL").pipe(
    Config.withDescription("The Redis that holds the stores and the queue"),
    Effect.mapError((error) =>
      ConfigError.isMissingDataOnly(error)
        ? new Error(
          "REDIS_URL is not set: the worker delivers from the queue on Redis (e.g. REDIS_URL=redis://127.0.0.1:6379/0); the embedded default, npm start, delivers in its own process"
        )
        : error
    )
  )
  const settings = yield* Herald.settingsConfig(Profiles.all)
  return yield* Layer.launch(
    Herald.workerLayer.pipe(
      Layer.provide(Herald.workerServicesLayer),
      Layer.provide(ports),
      Layer.provide(Herald.settingsLayer(settings)),
      Layer.provide(Profiles.layer)
    )
  ).pipe(
    // After the layer's finalizers: the deliveries in flight have finished.
    Effect.onInterrupt(() => Effect.logInfo("Herald worker stopped: deliveries in flight finished"))
  )
})

NodeRuntime.runMain(program)
