/**
 * `@herald/core`: Herald's domain, with no adapter and no HTTP. The ports
 * (`Context` tags that adapters provide: `SubscriptionStore`, `EventStore`,
 * `AttemptLog`, `DeliveryQueue`, `Transport`...), the services over them
 * (`Webhooks`, `Publisher`, `DeliveryLog`, `Replay`, `ApiKeys`), the delivery
 * loop (`Dispatcher`, `FanOut`, `Worker`), the pure logic of signing, retries and
 * URL policy, and `Herald`, which wires them into layers: start there.
 *
 * @packageDocumentation
 */
export * as ApiKeys from "./ApiKeys.js"
export * as ApiKeyStore from "./ApiKeyStore.js"
export * as Attempt from "./Attempt.js"
export * as AttemptLog from "./AttemptLog.js"
export * as DeliveryJob from "./DeliveryJob.js"
export * as DeliveryLedger from "./DeliveryLedger.js"
export * as DeliveryLog from "./DeliveryLog.js"
export * as DeliveryQueue from "./DeliveryQueue.js"
export * as DeliverySettings from "./DeliverySettings.js"
export * as Dispatcher from "./Dispatcher.js"
export * as Durations from "./Durations.js"
export * as EndpointHealth from "./EndpointHealth.js"
export * as Errors from "./Errors.js"
export * as Event from "./Event.js"
export * as EventCursor from "./EventCursor.js"
export * as EventLimits from "./EventLimits.js"
export * as EventStore from "./EventStore.js"
export * as EventType from "./EventType.js"
export * as FanOut from "./FanOut.js"
export * as HealthStore from "./HealthStore.js"
export * as Herald from "./Herald.js"
export * as IdempotencyStore from "./IdempotencyStore.js"
export * as Ids from "./Ids.js"
export * as Profile from "./Profile.js"
export * as Profiles from "./Profiles.js"
export * as Publisher from "./Publisher.js"
export * as RateLimiter from "./RateLimiter.js"
export * as Replay from "./Replay.js"
export * as RetrySchedule from "./RetrySchedule.js"
export * as SecretCipher from "./SecretCipher.js"
export * as SequenceStore from "./SequenceStore.js"
export * as Sequencer from "./Sequencer.js"
export * as Signing from "./Signing.js"
export * as SubscriptionStore from "./SubscriptionStore.js"
export * as Tracing from "./Tracing.js"
export * as Transport from "./Transport.js"
export * as UrlPolicy from "./UrlPolicy.js"
export * as Version from "./Version.js"
export * as Webhook from "./Webhook.js"
export * as Webhooks from "./Webhooks.js"
export * as WellFormedText from "./WellFormedText.js"
export * as WireFormat from "./WireFormat.js"
export * as Worker from "./Worker.js"
