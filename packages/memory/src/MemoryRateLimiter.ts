/**
 * RateLimiter in memory: per key, the times of the requests allowed in the
 * current window, oldest first. A check prunes the times that left the window,
 * counts the rest and records the request only when it fits, in one
 * synchronous step, so concurrent checks never exceed the limit. A key whose
 * window has emptied is dropped (see ExpiringMap), keeping memory bounded by
 * the keys in use.
 */
import { Clock, Effect, Layer } from "effect"
import { RateLimiter } from "@herald/core"
import * as ExpiringMap from "./internal/ExpiringMap.js"

interface Window {
  /** Times of the allowed requests still in the window, ascending. */
  readonly times: Array<number>
  /** When the newest request leaves the window: the key is empty from then on. */
  expiresAt: number
}

export interface MemoryRateLimiterShape extends RateLimiter.RateLimiterShape {
  /** How many keys are held (for tests of the memory bound). */
  readonly keys: Effect.Effect<number>
}

/** Inserts `time` in order; the clock normally only moves forward, so this is a push. */
const insert = (times: Array<number>, time: number) => {
  let at = times.length
  while (at > 0 && times[at - 1]! > time) at--
  times.splice(at, 0, time)
}

/** The reservations of a key: slot times ascending, and each holder's slot. */
interface Schedule {
  readonly slots: Array<{ readonly at: number; readonly holder: string }>
  readonly holders: Map<string, number>
  expiresAt: number
}

/**
 * A new, empty in-memory `RateLimiter`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<MemoryRateLimiterShape> = Effect.sync(() => {
  const windows = ExpiringMap.make<Window>()
  const schedules = ExpiringMap.make<Schedule>()

  const reserve = (key: string, rule: RateLimiter.RateLimitRule, holder: string, now: number): number => {
    const schedule: Schedule = schedules.get(key, now) ?? { slots: [], holders: new Map(), expiresAt: now }
    const cutoff = now - rule.windowMs
    let stale = 0
    while (stale < schedule.slots.length && schedule.slots[stale]!.at <= cutoff) {
      schedule.holders.delete(schedule.slots[stale]!.holder)
      stale++
    }
    schedule.slots.splice(0, stale)
    const held = schedule.holders.get(holder)
    if (held !== undefined) return Math.max(0, held - now)
    const at = RateLimiter.nextSlot(rule, now, schedule.slots.map((slot) => slot.at))
    // Slots never precede the newest one (see nextSlot), so this is a push.
    schedule.slots.push({ at, holder })
    schedule.holders.set(holder, at)
    schedule.expiresAt = at + rule.windowMs
    schedules.set(key, schedule, now)
    return at - now
  }

  const check = (key: string, rule: RateLimiter.RateLimitRule, now: number, cost: number): RateLimiter.RateLimitDecision => {
    const window = windows.get(key, now) ?? { times: [], expiresAt: now }
    const cutoff = now - rule.windowMs
    let stale = 0
    while (stale < window.times.length && window.times[stale]! <= cutoff) stale++
    window.times.splice(0, stale)
    const allowed = window.times.length + cost <= rule.limit
    if (allowed) {
      for (let slot = 0; slot < cost; slot++) insert(window.times, now)
      window.expiresAt = window.times[window.times.length - 1]! + rule.windowMs
      windows.set(key, window, now)
    }
    const count = window.times.length
    // Refused: the slots free once the oldest `count + cost - limit` have aged out (a cost over the
    // limit never fits; its reset is then the newest's). An empty window refuses only such a cost.
    const freeing = allowed
      ? window.times[0]!
      : window.times[Math.min(count - 1, Math.max(0, count + cost - rule.limit - 1))] ?? now
    return RateLimiter.decide(rule, now, { allowed, count, slotFreesAt: freeing + rule.windowMs })
  }

  return {
    consume: (key, rule, cost) =>
      RateLimiter.validateRule(rule).pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.map((now) => check(key, rule, now, RateLimiter.slots(cost)))
      ),
    reserve: (key, rule, holder) =>
      RateLimiter.validateRule(rule).pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.map((now) => reserve(key, rule, holder, now))
      ),
    keys: Effect.sync(() => windows.size() + schedules.size())
  }
})

/** Provides `RateLimiter` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<RateLimiter.RateLimiter> = Layer.effect(RateLimiter.RateLimiter, make)
