/**
 * A clock that stands still until a test moves it: the app reads "now" from it
 * (rate limit windows above all), so window arithmetic is checked exactly and
 * never depends on how fast a shared machine runs. Sleeps still take real time.
 */
import { Clock, Effect } from "effect"

export interface ManualClock {
  readonly clock: Clock.Clock
  readonly now: () => number
  readonly advance: (ms: number) => void
}

export const make = (start: number = Date.now()): ManualClock => {
  let now = start
  const real = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) => real.sleep(duration)
  }
  return {
    clock,
    now: () => now,
    advance: (ms) => {
      now += ms
    }
  }
}
