/**
 * `@herald/testkit/conformance`: the suites every adapter of a port runs, each a
 * function taking the adapter's Layer. The only part of the testkit that imports
 * vitest, so the helpers at `@herald/testkit` also load outside a test runner
 * (the bench uses them).
 *
 * @packageDocumentation
 */
export * as ApiKeyStoreSuite from "./ApiKeyStoreSuite.js"
export * as AttemptLogSuite from "./AttemptLogSuite.js"
export * as DeliveryLedgerSuite from "./DeliveryLedgerSuite.js"
export * as DeliveryQueueSuite from "./DeliveryQueueSuite.js"
export * as EndsFailureStreaksSuite from "./EndsFailureStreaksSuite.js"
export * as EventStoreSuite from "./EventStoreSuite.js"
export * as EventTypeStoreSuite from "./EventTypeStoreSuite.js"
export * as HealthStoreSuite from "./HealthStoreSuite.js"
export * as IdempotencyStoreSuite from "./IdempotencyStoreSuite.js"
export * as KeyRevocationsSuite from "./KeyRevocationsSuite.js"
export * as ListenerRelaySuite from "./ListenerRelaySuite.js"
export * as RateLimiterSuite from "./RateLimiterSuite.js"
export * as SequenceStoreSuite from "./SequenceStoreSuite.js"
export * as SubscriptionStoreSuite from "./SubscriptionStoreSuite.js"
