/**
 * How deliveries are made: timeout and worker concurrency.
 */
import { Config, ConfigError, Context, Duration, Either, Layer } from "effect"

export interface DeliverySettingsShape {
  /** Total time allowed for one attempt (connect, send, response). */
  readonly timeoutMs: number
  /** Deliveries in flight at once per worker process. */
  readonly concurrency: number
}

export class DeliverySettings extends Context.Tag("@herald/core/DeliverySettings")<
  DeliverySettings,
  DeliverySettingsShape
>() {}

export const defaults: DeliverySettingsShape = { timeoutMs: 15_000, concurrency: 50 }

export const layer = (settings: Partial<DeliverySettingsShape> = {}): Layer.Layer<DeliverySettings> =>
  Layer.succeed(DeliverySettings, { ...defaults, ...settings })

export const config: Config.Config<DeliverySettingsShape> = Config.all({
  timeoutMs: Config.duration("HERALD_DELIVERY_TIMEOUT").pipe(
    Config.withDefault("15 seconds"),
    Config.map((duration) => Math.max(1, Math.round(Duration.toMillis(duration)))),
    Config.withDescription("Total time allowed for one delivery attempt, e.g. \"15 seconds\"")
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
