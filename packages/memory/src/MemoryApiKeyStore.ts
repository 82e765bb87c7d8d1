/**
 * ApiKeyStore in memory: keys by their hash (authentication looks a key up by
 * the hash of what the caller presented). Listing and finding by id scan the
 * keys, which are few. Portal sessions, which may be many, are held apart, by
 * hash and by id, each until its `expiresAt` (`ExpiringMap`, by the effect's
 * clock): a lookup drops an expired one, and writes sweep the rest.
 */
import { Clock, Effect, Layer, Option } from "effect"
import { ApiKeyStore } from "@herald/core"
import * as ExpiringMap from "./internal/ExpiringMap.js"

interface Held<A> {
  readonly expiresAt: number
  readonly value: A
}

/**
 * A new, empty in-memory `ApiKeyStore`; for composing it yourself (tests, tools). Most callers want
 * `layer`.
 */
export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape> = Effect.sync(() => {
  const keys = new Map<string, ApiKeyStore.ApiKey>()
  const sessions = ExpiringMap.make<Held<ApiKeyStore.ApiKey>>()
  // A session's hash by its id: the id index of sessions, expiring with them.
  const sessionIds = ExpiringMap.make<Held<string>>()
  const findByHash = (hash: string, now: number) => keys.get(hash) ?? sessions.get(hash, now)?.value
  return {
    insert: (key) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        keys.delete(key.hash)
        sessions.delete(key.hash)
        if (key.session === null) keys.set(key.hash, key)
        else {
          const expiresAt = key.session.expiresAt
          sessions.set(key.hash, { expiresAt, value: key }, now)
          sessionIds.set(key.id, { expiresAt, value: key.hash }, now)
        }
      }),
    findByHash: (hash) => Effect.map(Clock.currentTimeMillis, (now) => Option.fromNullable(findByHash(hash, now))),
    findById: (id) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const key = [...keys.values()].find((key) => key.id === id)
        if (key !== undefined) return Option.some(key)
        const hash = sessionIds.get(id, now)?.value
        return Option.filter(Option.fromNullable(hash === undefined ? undefined : findByHash(hash, now)), (found) =>
          found.id === id)
      }),
    list: (teamspace) =>
      Effect.sync(() =>
        [...keys.values()]
          .filter((key) => key.teamspace === teamspace)
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      ),
    remove: (hash) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const session = sessions.get(hash, now)
        sessions.delete(hash)
        if (session !== undefined && sessionIds.get(session.value.id, now)?.value === hash) {
          sessionIds.delete(session.value.id)
        }
        return keys.delete(hash) || session !== undefined
      })
  }
})

/** Provides `ApiKeyStore` in memory, empty at each build of the layer; `MemoryLayer.layer` includes it. */
export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore> = Layer.effect(ApiKeyStore.ApiKeyStore, make)
