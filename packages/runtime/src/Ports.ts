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
import { Layer } from "effect"

/**
 * Every port in memory, deliveries over undici: the embedded default. Needs `UrlPolicy`
 * (`Herald.settingsLayer`).
 */
export const memory: Layer.Layer<Herald.Ports, never, UrlPolicy.UrlPolicy> = Layer.merge(
  Memory.MemoryLayer.layer,
  Undici.UndiciTransport.layer()
)

/** Where the Redis stores and the delivery queue are, and how long the stores keep events. */
export interface RedisSettings {
  readonly client: Redis.RedisClient.Options
  readonly retention: Redis.Retention.Options
  readonly queue: BullMQ.BullMQDeliveryQueue.Options
}

/**
 * Every port on Redis: the stores over one client, the BullMQ delivery queue, deliveries over
 * undici. For several API and worker processes sharing state. Needs `UrlPolicy`; fails with
 * `RedisError` when Redis cannot be reached.
 */
export const redis = (
  settings: RedisSettings
): Layer.Layer<Herald.Ports, Redis.RedisClient.RedisError, UrlPolicy.UrlPolicy> =>
  Layer.mergeAll(
    Redis.RedisLayer.layer(settings.retention).pipe(Layer.provide(Redis.RedisClient.layer(settings.client))),
    BullMQ.BullMQDeliveryQueue.layer(settings.queue),
    Undici.UndiciTransport.layer()
  )
