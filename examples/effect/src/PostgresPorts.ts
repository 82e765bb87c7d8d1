/**
 * Herald's ports for production at scale: the history on PostgreSQL
 * (`@herald/postgres`: webhooks, API keys, events, attempts, health, ordered
 * sequences, its schema applied first), the queue on BullMQ and the short-lived
 * state (rate limits, idempotency, the relay to `herald listen`, API key
 * revocations) on Redis,
 * deliveries over undici.
 */
import { BullMQDeliveryQueue } from "@herald/bullmq"
import { Migrations, PostgresClient, PostgresLayer } from "@herald/postgres"
import { RedisClient, RedisIdempotencyStore, RedisKeyRevocations, RedisListenerRelay, RedisRateLimiter } from "@herald/redis"
import { UndiciTransport } from "@herald/undici"
import { Layer } from "effect"

export const layer = (databaseUrl: string, redisUrl: string) =>
  Layer.mergeAll(
    // Migrations.layer runs before the stores are built: provideMerge builds what it provides first.
    PostgresLayer.layer().pipe(
      Layer.provide(Layer.provideMerge(Migrations.layer, PostgresClient.layer({ url: databaseUrl })))
    ),
    Layer.mergeAll(RedisRateLimiter.layer, RedisIdempotencyStore.layer, RedisListenerRelay.layer, RedisKeyRevocations.layer).pipe(
      Layer.provide(RedisClient.layer({ url: redisUrl }))
    ),
    BullMQDeliveryQueue.layer({ connection: redisUrl }),
    UndiciTransport.layer()
  )
