/**
 * How deliveries are made: timeouts and worker concurrency.
 */
import { Context, Layer } from "effect"

/** Delivery timeouts and the worker's concurrency. */
export interface DeliverySettingsShape {
  /** Total time allowed for one attempt (connect, send, response). */
  readonly timeoutMs: number
  /**
   * Time allowed to open the connection (TCP and TLS), within `timeoutMs`.
   * Optional so existing settings objects stay valid; absent means `defaults.connectTimeoutMs`.
   */
  readonly connectTimeoutMs?: number
  /** Deliveries in flight at once per worker process. */
  readonly concurrency: number
}

/**
 * The delivery settings service, read by the transport (timeouts) and the worker (concurrency).
 * Provide it with `layer`, or through `Herald.settingsLayer`.
 */
export class DeliverySettings extends Context.Tag("@herald/core/DeliverySettings")<
  DeliverySettings,
  DeliverySettingsShape
>() {}

/**
 * The delivery settings used for any field not given: 15 s per attempt, 5 s to connect, 50
 * deliveries in flight per worker.
 */
export const defaults = { timeoutMs: 15_000, connectTimeoutMs: 5_000, concurrency: 50 } as const satisfies DeliverySettingsShape

/** Provides `DeliverySettings`: the given fields over `defaults`. */
export const layer = (settings: Partial<DeliverySettingsShape> = {}): Layer.Layer<DeliverySettings> =>
  Layer.succeed(DeliverySettings, { ...defaults, ...settings })
