/**
 * Composition: the core services over whatever adapters provide the ports, and
 * the delivery worker on top.
 */
import {
  ApiKeys,
  type ApiKeyStore,
  type AttemptLog,
  type DeliveryQueue,
  DeliverySettings,
  Dispatcher,
  EventType,
  type EventStore,
  Publisher,
  RetrySchedule,
  type SubscriptionStore,
  type Transport,
  UrlPolicy,
  Webhooks,
  Worker
} from "@herald/core"
import { Effect, Layer } from "effect"

export interface Settings {
  readonly retrySchedule: ReadonlyArray<number>
  readonly allowPrivateUrls: boolean
  readonly delivery: DeliverySettings.DeliverySettingsShape
}

export type Ports =
  | SubscriptionStore.SubscriptionStore
  | EventStore.EventStore
  | AttemptLog.AttemptLog
  | DeliveryQueue.DeliveryQueue
  | ApiKeyStore.ApiKeyStore
  | Transport.Transport

/** Settings as services. */
export const settingsLayer = (settings: Settings) =>
  Layer.mergeAll(
    RetrySchedule.layer(settings.retrySchedule),
    UrlPolicy.layer({ allowPrivate: settings.allowPrivateUrls }),
    DeliverySettings.layer(settings.delivery),
    EventType.layerDefault
  )

/** The core services, given the ports and settings. */
export const servicesLayer = Layer.mergeAll(
  Webhooks.Webhooks.Default,
  Publisher.Publisher.Default,
  Dispatcher.Dispatcher.Default,
  ApiKeys.ApiKeys.Default
)

/** The delivery loop, as a layer that runs for as long as it is alive. */
export const workerLayer = Layer.scopedDiscard(Effect.forkScoped(Worker.run))
