/**
 * Which adapters provide the ports: everything in memory (the embedded default),
 * or Redis stores and the BullMQ queue when `REDIS_URL` is set. Deliveries go
 * over undici either way.
 */
import * as BullMQ from "@herald/bullmq"
import type { Herald, UrlPolicy } from "@herald/core"
import * as Memory from "@herald/memory"
import * as Redis from "@herald/redis"
import * as Undici from "@herald/undici"
import { type ConfigError, Layer } from "effect"

export const memory: Layer.Layer<Herald.Ports, never, UrlPolicy.UrlPolicy> = Layer.merge(
  Memory.MemoryLayer.layer,
  Undici.UndiciTransport.layer()
)

export const redis: Layer.Layer<
  Herald.Ports,
  ConfigError.ConfigError | Redis.RedisClient.RedisError,
  UrlPolicy.UrlPolicy
> = Layer.mergeAll(
  Redis.RedisLayer.layerConfig.pipe(Layer.provide(Redis.RedisClient.layerConfig)),
  BullMQ.BullMQDeliveryQueue.layerConfig,
  Undici.UndiciTransport.layer()
)
