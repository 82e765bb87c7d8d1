/**
 * Port: the news that an API key was revoked (or replaced), told to every
 * process, so that each process's cache of keys (`ApiKeys.authenticate`)
 * drops it at once instead of serving it until the entry's time limit.
 *
 * A subscriber hears each revocation published after its subscription is live,
 * its own included. A subscription can drop (the connection to Redis is lost):
 * what was published meanwhile is never heard, so a subscriber is told `lost`,
 * and `live` again once it hears revocations again. A cache must forget
 * everything on `lost` and cache nothing until `live`.
 *
 * `none`, the default, never goes live: without a way to hear revocations a
 * process does not cache keys at all.
 */
import { Context, Effect, type Scope } from "effect"

/** What a subscriber is told: each revoked key's hash, and when its subscription is up or down. */
export interface RevocationListener {
  /** The key with this hash (its SHA-256, `ApiKeys.hashKey`) was revoked or replaced. */
  readonly revoked: (hash: string) => void
  /** The subscription is up: every revocation published from now on reaches `revoked`. */
  readonly live: () => void
  /** The subscription dropped: revocations may be missed until `live` is called again. */
  readonly lost: () => void
}

/** What a revocations adapter implements (`MemoryKeyRevocations`, `RedisKeyRevocations`, `none`). */
export interface KeyRevocationsShape {
  /** Tells every subscribed process, this one included, that the key with this hash was revoked or replaced. */
  readonly publish: (hash: string) => Effect.Effect<void>
  /**
   * Registers `listener` for the life of the scope. Returns once the subscription is live (having
   * called `live`), or at once for an adapter that never is (`none`).
   */
  readonly subscribe: (listener: RevocationListener) => Effect.Effect<void, never, Scope.Scope>
}

/** No channel between processes: publishes go nowhere and a subscription is never live (so nothing is cached). */
export const none: KeyRevocationsShape = {
  publish: () => Effect.void,
  subscribe: () => Effect.void
}

/**
 * The key revocations port; `none` unless a composition provides an adapter (`MemoryLayer.layer`,
 * `RedisLayer.layer` and `@herald/runtime`'s `Ports` do). Used by `ApiKeys`.
 */
export class KeyRevocations extends Context.Reference<KeyRevocations>()("@herald/core/KeyRevocations", {
  defaultValue: (): KeyRevocationsShape => none
}) {}
