/**
 * The retry schedule: the delay before each attempt. `0s,5s,5m` means the first
 * attempt at once, the second 5 s after the first fails, the third 5 min after
 * that, then give up.
 */
import { Config, ConfigError, Context, Either, Layer, Option } from "effect"

export const defaultSchedule = "0s,5s,5m,30m,2h,5h,10h,10h"

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses `0s,5s,5m,...` into milliseconds; at most 50 entries, each at most 7 days. */
export const parse = (text: string): Either.Either<ReadonlyArray<number>, string> => {
  const parts = text.split(",").map((part) => part.trim())
  if (parts.length === 0 || parts.length > 50 || parts.some((part) => part === "")) {
    return Either.left("expected 1 to 50 comma-separated delays such as 0s,5s,5m,2h")
  }
  const delays: Array<number> = []
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(part)
    if (match === null) return Either.left(`"${part}" is not a delay (a number and one of ms, s, m, h, d)`)
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2]!]!)
    if (ms > 7 * UNIT_MS["d"]!) return Either.left(`"${part}" is longer than 7 days`)
    delays.push(ms)
  }
  return Either.right(delays)
}

export interface RetryScheduleShape {
  readonly delays: ReadonlyArray<number>
  /** The delay before attempt `attempt` (1-based); none once the schedule is spent. */
  readonly delayBefore: (attempt: number) => Option.Option<number>
}

export class RetrySchedule extends Context.Tag("@herald/core/RetrySchedule")<RetrySchedule, RetryScheduleShape>() {}

export const make = (delays: ReadonlyArray<number>): RetryScheduleShape => ({
  delays,
  delayBefore: (attempt) => Option.fromNullable(delays[attempt - 1])
})

export const layer = (delays: ReadonlyArray<number>): Layer.Layer<RetrySchedule> =>
  Layer.succeed(RetrySchedule, make(delays))

export const config: Config.Config<ReadonlyArray<number>> = Config.string("HERALD_RETRY_SCHEDULE").pipe(
  Config.withDefault(defaultSchedule),
  Config.mapOrFail((text) => Either.mapLeft(parse(text), (message) => ConfigError.InvalidData(["HERALD_RETRY_SCHEDULE"], message))),
  Config.withDescription("Delays before each delivery attempt, e.g. 0s,5s,5m,30m,2h,5h,10h,10h")
)

export const layerConfig: Layer.Layer<RetrySchedule, ConfigError.ConfigError> = Layer.effect(
  RetrySchedule,
  Config.map(config, make)
)
