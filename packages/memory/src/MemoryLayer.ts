/**
 * Every port in memory at once: the embedded default (`npm start` without
 * Redis) and the quickest way to run the core services in a test. Each build
 * of the layer is a fresh, empty set of stores.
 */
import { Layer } from "effect"
import type { DeliveryQueue, Herald, KeyRevocations, ListenerRelay } from "@herald/core"
import * as MemoryApiKeyStore from "./MemoryApiKeyStore.js"
import * as MemoryAttemptLog from "./MemoryAttemptLog.js"
import * as MemoryDeliveryQueue from "./MemoryDeliveryQueue.js"
import * as MemoryEventStore from "./MemoryEventStore.js"
import * as MemoryEventTypeStore from "./MemoryEventTypeStore.js"
import * as MemoryHealthStore from "./MemoryHealthStore.js"
import * as MemoryIdempotencyStore from "./MemoryIdempotencyStore.js"
import * as MemoryKeyRevocations from "./MemoryKeyRevocations.js"
import * as MemoryListenerRelay from "./MemoryListenerRelay.js"
import * as MemoryRateLimiter from "./MemoryRateLimiter.js"
import * as MemorySequenceStore from "./MemorySequenceStore.js"
import * as MemorySubscriptionStore from "./MemorySubscriptionStore.js"

/**
 * Provides every store port, the delivery queue, the listener relay and key revocations in memory
 * (`Herald.Stores`, `DeliveryQueue`, `ListenerRelay`, `KeyRevocations`, and
 * `MemoryDeliveryQueue` and `MemorySequenceStore` for inspection), empty at each build. No
 * `DeliveryLedger`: the default, `DeliveryLedger.none`, records nothing, as the queue in memory is
 * the record (add `MemoryDeliveryLedger.layer` to test the recording path). Add a `Transport` (e.g.
 * `UndiciTransport.layer`) for `Herald.Ports`. Nothing is shared between processes or survives a
 * restart: for the embedded mode, tests and examples.
 */
export const layer: Layer.Layer<
  | Herald.Stores
  | DeliveryQueue.DeliveryQueue
  | ListenerRelay.ListenerRelay
  | KeyRevocations.KeyRevocations
  | MemoryDeliveryQueue.MemoryDeliveryQueue
  | MemorySequenceStore.MemorySequenceStore
> = Layer.mergeAll(
  MemorySubscriptionStore.layer,
  MemoryEventStore.layer,
  MemoryEventTypeStore.layer,
  MemoryAttemptLog.layer,
  MemoryApiKeyStore.layer,
  MemoryHealthStore.layer,
  MemorySequenceStore.layer,
  MemoryRateLimiter.layer,
  MemoryIdempotencyStore.layer,
  MemoryDeliveryQueue.layer,
  MemoryListenerRelay.layer,
  MemoryKeyRevocations.layer
)
