/**
 * `@herald/redis`: Redis (ioredis) adapters for Herald's stores. `RedisLayer`
 * provides them all over one connection (`RedisClient`); each store is also a
 * layer of its own. Works on a single server or a cluster.
 *
 * @packageDocumentation
 */
export * as RedisApiKeyStore from "./RedisApiKeyStore.js"
export * as RedisAttemptLog from "./RedisAttemptLog.js"
export * as RedisClient from "./RedisClient.js"
export * as RedisEventStore from "./RedisEventStore.js"
export * as RedisEventTypeStore from "./RedisEventTypeStore.js"
export * as RedisHealthStore from "./RedisHealthStore.js"
export * as RedisIdempotencyStore from "./RedisIdempotencyStore.js"
export * as RedisKeyRevocations from "./RedisKeyRevocations.js"
export * as RedisLayer from "./RedisLayer.js"
export * as RedisListenerRelay from "./RedisListenerRelay.js"
export * as RedisRateLimiter from "./RedisRateLimiter.js"
export * as RedisSequenceStore from "./RedisSequenceStore.js"
export * as RedisSubscriber from "./RedisSubscriber.js"
export * as RedisSubscriptionStore from "./RedisSubscriptionStore.js"
export * as Retention from "./Retention.js"
