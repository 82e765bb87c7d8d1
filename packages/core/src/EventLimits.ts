/**
 * How much data an event may carry: its `data`, serialised as JSON, in UTF-8
 * bytes (`HERALD_MAX_EVENT_DATA_BYTES`, 256 KiB by default). The Publisher is
 * the one place that checks it, so every way of publishing has the same limit
 * and the same refusal (`EventDataTooLarge`, a 413 at the API).
 */
import { Context, Layer } from "effect"

/** The limits on what an event may carry. */
export interface EventLimitsShape {
  /** Largest `data`, as JSON in UTF-8 bytes. */
  readonly maxDataBytes: number
}

/** An event's data may be 256 KiB as JSON. */
export const defaults: EventLimitsShape = { maxDataBytes: 256 * 1024 }

/** A reference with the defaults, so a Publisher built without the settings still has the documented limit. */
export class EventLimits extends Context.Reference<EventLimits>()("@herald/core/EventLimits", {
  defaultValue: (): EventLimitsShape => defaults
}) {}

/**
 * Provides `EventLimits`: the given fields over `defaults`. `Herald.settingsLayer` uses it
 * (`eventLimits`).
 */
export const layer = (limits: Partial<EventLimitsShape> = {}): Layer.Layer<EventLimits> =>
  Layer.succeed(EventLimits, { ...defaults, ...limits })
