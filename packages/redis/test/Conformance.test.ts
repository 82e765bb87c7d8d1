// The testkit conformance suites, run against the Redis adapters on one private Redis.
import { describe } from "@effect/vitest"
import { Layer } from "effect"
import {
  RedisApiKeyStore,
  RedisHealthStore,
  RedisAttemptLog,
  RedisEventStore,
  RedisEventTypeStore,
  RedisIdempotencyStore,
  RedisKeyRevocations,
  RedisListenerRelay,
  RedisRateLimiter,
  RedisSequenceStore,
  RedisSubscriptionStore
} from "@herald/redis"
import {
  ApiKeyStoreSuite,
  HealthStoreSuite,
  AttemptLogSuite,
  EventStoreSuite,
  EventTypeStoreSuite,
  IdempotencyStoreSuite,
  KeyRevocationsSuite,
  ListenerRelaySuite,
  RateLimiterSuite,
  SequenceStoreSuite,
  SubscriptionStoreSuite
} from "@herald/testkit/conformance"
import { available, skipReason, useRedis } from "./RedisTestServer.js"

describe.skipIf(!available)(`Redis conformance ${skipReason}`, () => {
  const { client } = useRedis()
  SubscriptionStoreSuite.suite("RedisSubscriptionStore", Layer.provide(RedisSubscriptionStore.layer, client))
  EventStoreSuite.suite("RedisEventStore", Layer.provide(RedisEventStore.layer(), client))
  AttemptLogSuite.suite("RedisAttemptLog", Layer.provide(RedisAttemptLog.layer(), client))
  ApiKeyStoreSuite.suite("RedisApiKeyStore", Layer.provide(RedisApiKeyStore.layer, client))
  EventTypeStoreSuite.suite("RedisEventTypeStore", Layer.provide(RedisEventTypeStore.layer, client))
  HealthStoreSuite.suite("RedisHealthStore", Layer.provide(RedisHealthStore.layer(), client))
  RateLimiterSuite.suite("RedisRateLimiter", Layer.provide(RedisRateLimiter.layer, client))
  IdempotencyStoreSuite.suite("RedisIdempotencyStore", Layer.provide(RedisIdempotencyStore.layer, client))
  KeyRevocationsSuite.suite("RedisKeyRevocations", Layer.provide(RedisKeyRevocations.layer, client), { acrossBuilds: true })
  ListenerRelaySuite.suite("RedisListenerRelay", Layer.provide(RedisListenerRelay.layer, client))
  SequenceStoreSuite.suite("RedisSequenceStore", Layer.provide(RedisSequenceStore.layer(), client))
})
