/**
 * How deliveries are made: timeouts and worker concurrency.
 */
import { Config, ConfigError, Context, Either, Layer } from "effect"
import * as Durations from "./Durations.js"

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

/** Bounds of `HERALD_DELIVERY_CONNECT_TIMEOUT`. */
const maxConnectTimeoutMs = 120_000

export const layer = (settings: Partial<DeliverySettingsShape> = {}): Layer.Layer<DeliverySettings> =>
  Layer.succeed(DeliverySettings, { ...defaults, ...settings })

export const config: Config.Config<DeliverySettingsShape> = Config.all({
  timeoutMs: Durations.config("HERALD_DELIVERY_TIMEOUT", {
    defaultMs: defaults.timeoutMs,
    description: "Total time allowed for one delivery attempt"
  }),
  connectTimeoutMs: Durations.config("HERALD_DELIVERY_CONNECT_TIMEOUT", {
    defaultMs: defaults.connectTimeoutMs,
    maxMs: maxConnectTimeoutMs,
    description: "Time allowed to open a delivery's connection (TCP and TLS)"
  }),
  concurrency: Config.integer("HERALD_WORKER_CONCURRENCY").pipe(
    Config.withDefault(defaults.concurrency),
    // mapOrFail with the name, not Config.validate: after withDefault the latter loses the variable's name.
    Config.mapOrFail((n) =>
      n >= 1 && n <= 1000
        ? Either.right(n)
        : Either.left(ConfigError.InvalidData(["HERALD_WORKER_CONCURRENCY"], "must be from 1 to 1000"))
    ),
    Config.withDescription("Deliveries in flight at once per worker process")
  )
})

export const layerConfig = Layer.effect(DeliverySettings, config)
