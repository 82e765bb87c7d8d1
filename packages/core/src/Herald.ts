/**
 * Wiring shared by every process: settings as services, the core services over
 * whatever adapters provide the ports, and the delivery loop. Apps choose the
 * adapters and add their edge (HTTP); nothing here knows which adapters exist,
 * nor which profiles: the composition provides their registry (`Profiles`).
 */
import { Effect, Layer, Option } from "effect"
import * as ApiKeys from "./ApiKeys.js"
import type * as ApiKeyStore from "./ApiKeyStore.js"
import type * as AttemptLog from "./AttemptLog.js"
import type * as DeliveryQueue from "./DeliveryQueue.js"
import * as DeliveryLog from "./DeliveryLog.js"
import * as DeliverySettings from "./DeliverySettings.js"
import * as Dispatcher from "./Dispatcher.js"
import type * as EventStore from "./EventStore.js"
import type * as HealthStore from "./HealthStore.js"
import type * as IdempotencyStore from "./IdempotencyStore.js"
import * as EndpointHealth from "./EndpointHealth.js"
import * as EventLimits from "./EventLimits.js"
import * as EventType from "./EventType.js"
import * as EventTypes from "./EventTypes.js"
import type * as EventTypeStore from "./EventTypeStore.js"
import * as FanOut from "./FanOut.js"
import type * as ListenerRelay from "./ListenerRelay.js"
import * as Listeners from "./Listeners.js"
import * as PortalSessions from "./PortalSessions.js"
import * as Publisher from "./Publisher.js"
import * as Replay from "./Replay.js"
import * as RetrySchedule from "./RetrySchedule.js"
import * as SecretCipher from "./SecretCipher.js"
import type * as RateLimiter from "./RateLimiter.js"
import type * as SequenceStore from "./SequenceStore.js"
import * as Sequencer from "./Sequencer.js"
import type * as SubscriptionStore from "./SubscriptionStore.js"
import type * as Transport from "./Transport.js"
import * as UrlPolicy from "./UrlPolicy.js"
import * as Webhooks from "./Webhooks.js"
import * as Reconciler from "./Reconciler.js"
import * as Worker from "./Worker.js"

/**
 * Herald's settings, as `settingsLayer` takes them: the retry schedule (delays in ms between
 * attempts), whether webhooks may target private addresses, delivery timeouts and concurrency, and
 * the optional endpoint health policy, encryption key, event type lists and event limits.
 * `@herald/runtime`'s `Environment` reads them from the environment variables named here.
 */
export interface Settings {
  readonly retrySchedule: ReadonlyArray<number>
  readonly allowPrivateUrls: boolean
  readonly delivery: DeliverySettings.DeliverySettingsShape
  /** Endpoint health policy; defaults: disable after 5 days and 10 failures without a success. */
  readonly health?: Partial<EndpointHealth.HealthPolicyShape> | undefined
  /** Encrypts signing secrets at rest when set (`HERALD_ENCRYPTION_KEY`). */
  readonly encryptionKey?: Option.Option<Uint8Array> | undefined
  /** Each profile's event types; the registered profiles' own lists by default (`HERALD_EVENT_TYPES_<NAME>`). */
  readonly eventTypes?: EventType.Catalogs | undefined
  /** How much data an event may carry; 256 KiB by default (`HERALD_MAX_EVENT_DATA_BYTES`). */
  readonly eventLimits?: Partial<EventLimits.EventLimitsShape> | undefined
  /**
   * How often the reconciler runs and its grace, with a recording `DeliveryLedger`; one minute and
   * two by default (`HERALD_RECONCILE_INTERVAL`).
   */
  readonly reconcile?: Partial<Reconciler.ReconcileSettingsShape> | undefined
}

/**
 * The ports a store adapter provides (the memory and Redis layers each provide all of them). Not
 * among them: the `DeliveryLedger`, `none` unless a composition provides a recording one.
 */
export type Stores =
  | SubscriptionStore.SubscriptionStore
  | EventStore.EventStore
  | EventTypeStore.EventTypeStore
  | AttemptLog.AttemptLog
  | ApiKeyStore.ApiKeyStore
  | HealthStore.HealthStore
  | SequenceStore.SequenceStore
  | RateLimiter.RateLimiter
  | IdempotencyStore.IdempotencyStore

/**
 * Every port Herald's services need: the stores, the delivery queue, the transport, and the relay to
 * `herald listen` (provided by the memory and Redis layers beside their stores). What a
 * composition provides below `servicesLayer` and `workerLayer` (e.g. `MemoryLayer.layer` and
 * `UndiciTransport.layer`, or `@herald/runtime`'s `Ports`).
 */
export type Ports = Stores | DeliveryQueue.DeliveryQueue | Transport.Transport | ListenerRelay.ListenerRelay

/** One warning at start, in every process that reads the settings, when private targets are allowed. */
const privateUrlsWarning = (allowPrivateUrls: boolean) =>
  Layer.effectDiscard(Effect.when(
    Effect.logWarning(
      // Named both ways: Herald's processes read the variable, libraries take the setting.
      "Private URLs allowed (allowPrivateUrls, HERALD_ALLOW_PRIVATE_URLS=true): webhooks may target http:// URLs " +
        "and loopback, private and link-local addresses. For local development and tests only."
    ),
    () => allowPrivateUrls
  ))

/** Settings as services; the event catalog defaults to the registered profiles' lists. */
export const settingsLayer = (settings: Settings) =>
  Layer.mergeAll(
    privateUrlsWarning(settings.allowPrivateUrls),
    RetrySchedule.layer(settings.retrySchedule),
    UrlPolicy.layer({ allowPrivate: settings.allowPrivateUrls }),
    DeliverySettings.layer(settings.delivery),
    EndpointHealth.layer(settings.health ?? {}),
    SecretCipher.layer(settings.encryptionKey ?? Option.none()),
    settings.eventTypes === undefined ? EventType.layerDefault : EventType.layer(settings.eventTypes),
    EventLimits.layer(settings.eventLimits ?? {}),
    Layer.succeed(Reconciler.ReconcileSettings, { ...Reconciler.defaults, ...settings.reconcile })
  )

/** The core services, given the ports and settings. */
export const servicesLayer = Layer.mergeAll(
  Webhooks.Webhooks.Default,
  Publisher.Publisher.Default.pipe(Layer.provideMerge(FanOut.FanOut.Default)),
  Dispatcher.Dispatcher.Default.pipe(Layer.provide(EndpointHealth.EndpointHealth.Default)),
  DeliveryLog.DeliveryLog.Default,
  Replay.Replay.Default,
  ApiKeys.ApiKeys.Default,
  PortalSessions.PortalSessions.Default,
  Listeners.Listeners.Default.pipe(Layer.provide(Webhooks.Webhooks.Default))
).pipe(Layer.provideMerge(Layer.merge(Sequencer.Sequencer.Default, EventTypes.EventTypes.Default)))

/** What a delivery worker needs: dispatching and fan-out continuation. */
export const workerServicesLayer = Layer.merge(
  Dispatcher.Dispatcher.Default.pipe(Layer.provide(EndpointHealth.EndpointHealth.Default)),
  FanOut.FanOut.Default
).pipe(Layer.provideMerge(Sequencer.Sequencer.Default))

/**
 * The delivery loop, as a layer: consumers run while the layer is alive and drain when it closes;
 * beside them the `Reconciler`, when the `DeliveryLedger` records.
 */
export const workerLayer = Layer.scopedDiscard(Effect.zipRight(Worker.run, Reconciler.run))
