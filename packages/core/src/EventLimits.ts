/**
 * How much data an event may carry: its `data`, serialised as JSON, in UTF-8
 * bytes (`HERALD_MAX_EVENT_DATA_BYTES`, 256 KiB by default). The Publisher is
 * the one place that checks it, so every way of publishing has the same limit
 * and the same refusal (`EventDataTooLarge`, a 413 at the API).
 */
import { Config, ConfigError, Context, Either, Layer } from "effect"

export interface EventLimitsShape {
  /** Largest `data`, as JSON in UTF-8 bytes. */
  readonly maxDataBytes: number
}

export const defaults: EventLimitsShape = { maxDataBytes: 256 * 1024 }

/** A reference with the defaults, so a Publisher built without the settings still has the documented limit. */
export class EventLimits extends Context.Reference<EventLimits>()("@herald/core/EventLimits", {
  defaultValue: (): EventLimitsShape => defaults
}) {}

export const layer = (limits: Partial<EventLimitsShape> = {}): Layer.Layer<EventLimits> =>
  Layer.succeed(EventLimits, { ...defaults, ...limits })

const MIN_BYTES = 1024
const MAX_BYTES = 1024 * 1024 * 1024

export const config: Config.Config<EventLimitsShape> = Config.all({
  maxDataBytes: Config.integer("HERALD_MAX_EVENT_DATA_BYTES").pipe(
    Config.withDefault(defaults.maxDataBytes),
    // mapOrFail with the name, not Config.validate: after withDefault the latter loses the variable's name.
    Config.mapOrFail((n) =>
      n >= MIN_BYTES && n <= MAX_BYTES
        ? Either.right(n)
        : Either.left(
          ConfigError.InvalidData(["HERALD_MAX_EVENT_DATA_BYTES"], `must be a number of bytes from ${MIN_BYTES} to ${MAX_BYTES}`)
        )
    ),
    Config.withDescription("Largest event data a publish accepts, in bytes of JSON (413 beyond)")
  )
})
