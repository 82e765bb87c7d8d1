// The testkit conformance suites, run against the memory adapters.
import { Effect, Layer } from "effect"
import {
  MemoryApiKeyStore,
  MemoryAttemptLog,
  MemoryDeliveryLedger,
  MemoryDeliveryQueue,
  MemoryEventStore,
  MemoryEventTypeStore,
  MemoryHealthStore,
  MemoryIdempotencyStore,
  MemoryKeyRevocations,
  MemoryListenerRelay,
  MemoryRateLimiter,
  MemorySequenceStore,
  MemorySubscriptionStore
} from "@herald/memory"
import {
  ApiKeyStoreSuite,
  AttemptLogSuite,
  DeliveryLedgerSuite,
  DeliveryQueueSuite,
  EventStoreSuite,
  EventTypeStoreSuite,
  HealthStoreSuite,
  IdempotencyStoreSuite,
  KeyRevocationsSuite,
  ListenerRelaySuite,
  RateLimiterSuite,
  SequenceStoreSuite,
  SubscriptionStoreSuite
} from "@herald/testkit/conformance"

SubscriptionStoreSuite.suite("MemorySubscriptionStore", MemorySubscriptionStore.layer)
EventStoreSuite.suite("MemoryEventStore", MemoryEventStore.layer)
AttemptLogSuite.suite("MemoryAttemptLog", MemoryAttemptLog.layer)
ApiKeyStoreSuite.suite("MemoryApiKeyStore", MemoryApiKeyStore.layer)
EventTypeStoreSuite.suite("MemoryEventTypeStore", MemoryEventTypeStore.layer)
DeliveryQueueSuite.suite(
  "MemoryDeliveryQueue",
  MemoryDeliveryQueue.layer,
  Effect.flatMap(MemoryDeliveryQueue.MemoryDeliveryQueue, (queue) => Effect.map(queue.size, (size) => size.delayed))
)
HealthStoreSuite.suite("MemoryHealthStore", MemoryHealthStore.layer)
RateLimiterSuite.suite("MemoryRateLimiter", MemoryRateLimiter.layer)
IdempotencyStoreSuite.suite("MemoryIdempotencyStore", MemoryIdempotencyStore.layer)
KeyRevocationsSuite.suite("MemoryKeyRevocations", MemoryKeyRevocations.layer, { acrossBuilds: false })
ListenerRelaySuite.suite("MemoryListenerRelay", MemoryListenerRelay.layer)
SequenceStoreSuite.suite("MemorySequenceStore", MemorySequenceStore.layer)
DeliveryLedgerSuite.suite(
  "MemoryDeliveryLedger",
  MemoryDeliveryLedger.layer.pipe(Layer.provideMerge(MemorySequenceStore.layer), Layer.merge(MemoryEventStore.layer))
)
