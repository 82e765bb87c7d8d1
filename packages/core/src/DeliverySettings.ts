/**
 * How deliveries are made: timeouts and worker concurrency.
 */
import { Config, ConfigError, Context, Duration, Either, Layer } from "effect"

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
  timeoutMs: Config.duration("HERALD_DELIVERY_TIMEOUT").pipe(
    Config.withDefault("15 seconds"),
    Config.map((duration) => Math.max(1, Math.round(Duration.toMillis(duration)))),
    Config.withDescription("Total time allowed for one delivery attempt, e.g. \"15 seconds\"")
  ),
  connectTimeoutMs: Config.duration("HERALD_DELIVERY_CONNECT_TIMEOUT").pipe(
    Config.withDefault("5 seconds"),
    // mapOrFail with the name, not Config.validate: after withDefault the latter loses the variable's name.
    Config.mapOrFail((duration) => {
      const ms = Math.round(Duration.toMillis(duration))
      return ms >= 1 && ms <= maxConnectTimeoutMs
        ? Either.right(ms)
        : Either.left(ConfigError.InvalidData(["HERALD_DELIVERY_CONNECT_TIMEOUT"], "must be from 1 ms to 2 minutes"))
    }),
    Config.withDescription("Time allowed to open a delivery's connection (TCP and TLS), e.g. \"5 seconds\"")
  ),
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
