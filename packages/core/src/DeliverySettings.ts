/**
 * How deliveries are made: timeouts and worker concurrency.
 */
import { Context, Layer } from "effect"

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

export class DeliverySettings extends Context.Tag("@herald/core/DeliverySettings")<
  DeliverySettings,
  DeliverySettingsShape
>() {}

export const defaults = { timeoutMs: 15_000, connectTimeoutMs: 5_000, concurrency: 50 } as const satisfies DeliverySettingsShape

export const layer = (settings: Partial<DeliverySettingsShape> = {}): Layer.Layer<DeliverySettings> =>
  Layer.succeed(DeliverySettings, { ...defaults, ...settings })
