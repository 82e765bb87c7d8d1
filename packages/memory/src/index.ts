/**
 * `@herald/memory`: in-memory adapters for every store port and the delivery
 * queue. `MemoryLayer.layer` provides them all at once: the embedded default, and
 * the reference implementation every conformance suite is checked against.
 * Nothing survives the process.
 *
 * @packageDocumentation
 */
export * as MemoryApiKeyStore from "./MemoryApiKeyStore.js"
export * as MemoryAttemptLog from "./MemoryAttemptLog.js"
export * as MemoryDeliveryLedger from "./MemoryDeliveryLedger.js"
export * as MemoryDeliveryQueue from "./MemoryDeliveryQueue.js"
export * as MemoryEventStore from "./MemoryEventStore.js"
export * as MemoryEventTypeStore from "./MemoryEventTypeStore.js"
export * as MemoryHealthStore from "./MemoryHealthStore.js"
export * as MemoryIdempotencyStore from "./MemoryIdempotencyStore.js"
export * as MemoryKeyRevocations from "./MemoryKeyRevocations.js"
export * as MemoryLayer from "./MemoryLayer.js"
export * as MemoryListenerRelay from "./MemoryListenerRelay.js"
export * as MemoryRateLimiter from "./MemoryRateLimiter.js"
export * as MemorySequenceStore from "./MemorySequenceStore.js"
export * as MemorySubscriptionStore from "./MemorySubscriptionStore.js"
