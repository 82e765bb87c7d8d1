/**
 * The Redis stores at once, over one shared RedisClient: what an app
 * composes when `REDIS_URL` is set. Provide a `RedisClient` layer (e.g.
 * `RedisClient.layer(options)`) to it.
 */
import type { Herald, KeyRevocations, ListenerRelay } from "@herald/core"
import { Layer } from "effect"
import * as RedisApiKeyStore from "./RedisApiKeyStore.js"
import * as RedisAttemptLog from "./RedisAttemptLog.js"
import type { RedisClient } from "./RedisClient.js"
import * as RedisEventStore from "./RedisEventStore.js"
import * as RedisEventTypeStore from "./RedisEventTypeStore.js"
import * as RedisHealthStore from "./RedisHealthStore.js"
import * as RedisIdempotencyStore from "./RedisIdempotencyStore.js"
import * as RedisKeyRevocations from "./RedisKeyRevocations.js"
import * as RedisListenerRelay from "./RedisListenerRelay.js"
import * as RedisRateLimiter from "./RedisRateLimiter.js"
import * as RedisSequenceStore from "./RedisSequenceStore.js"
import * as RedisSubscriptionStore from "./RedisSubscriptionStore.js"
import type * as Retention from "./Retention.js"

/**
 * The ports `layer` provides: every store of `Herald.Stores`, the relay to `herald listen`, and the
 * key revocations that keep every process's API-key cache current.
 */
export type Stores = Herald.Stores | ListenerRelay.ListenerRelay | KeyRevocations.KeyRevocations

/** How long event data is kept (see `Retention`). */
export type Options = Retention.Options

/**
 * Provides every Herald store on Redis (`Herald.Stores`), the `ListenerRelay` and `KeyRevocations` over one
 * `RedisClient` (and one subscriber connection), the attempt log
 * ending failure streaks in the same write. Add a `DeliveryQueue` (`BullMQDeliveryQueue.layer`) and
 * a `Transport` for `Herald.Ports`.
 */
export const layer = (options?: Options): Layer.Layer<Stores, never, RedisClient> =>
  Layer.mergeAll(
    RedisSubscriptionStore.layer,
    // Beside RedisSubscriptionStore on the same client: a publish reads its first fan-out page in its append.
    RedisEventStore.layer({ ...options, readsFanOutPage: true }),
    // Beside RedisHealthStore on the same client: a logged success ends the streak in the same script.
    RedisAttemptLog.layer({ ...options, endsFailureStreaks: true }),
    RedisApiKeyStore.layer,
    RedisEventTypeStore.layer,
    RedisHealthStore.layer(options),
    RedisSequenceStore.layer(options),
    RedisRateLimiter.layer,
    RedisIdempotencyStore.layer,
    RedisListenerRelay.layer,
    RedisKeyRevocations.layer
  )
