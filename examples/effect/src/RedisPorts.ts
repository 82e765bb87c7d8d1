/**
 * Herald's ports on the production adapters: the stores on Redis
 * (`@herald/redis`), the delivery queue on BullMQ (`@herald/bullmq`), deliveries
 * over undici. Every process on the same Redis shares the webhooks, events and
 * queue: one may publish while others deliver.
 */
import { BullMQDeliveryQueue } from "@herald/bullmq"
import { RedisClient, RedisLayer } from "@herald/redis"
import { UndiciTransport } from "@herald/undici"
import { Layer } from "effect"

export const layer = (url: string) =>
  Layer.mergeAll(
    RedisLayer.layer().pipe(Layer.provide(RedisClient.layer({ url }))),
    BullMQDeliveryQueue.layer({ connection: url }),
    UndiciTransport.layer()
  )
