// What the conformance suite cannot see: the partitions' keeper deletes expired portal sessions'
// rows (and no API key's), and migration 8 gives the sessions stored before it their expiry.
import { describe, expect, it } from "@effect/vitest"
import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema, TestClock } from "effect"
import { ApiKeyStore } from "@herald/core"
import { Migrations, Partitions, PostgresApiKeyStore, PostgresClient } from "@herald/postgres"
import { Fixtures, PostgresDatabase } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const encode = Schema.encode(Schema.parseJson(ApiKeyStore.ApiKey))

describe.skipIf(!available)(`PostgresApiKeyStore ${skipReason}`, () => {
  const { client } = useDatabase()

  it.effect("dropExpired deletes the sessions whose expiry has come, and keeps live ones and API keys", () =>
    Effect.gen(function*() {
      const store = yield* ApiKeyStore.ApiKeyStore
      const sql = yield* SqlClient.SqlClient
      const now = Date.UTC(2030, 0, 1)
      yield* TestClock.setTime(now)
      const teamspace = Fixtures.teamspace()
      const key = Fixtures.apiKey({ teamspace })
      const expired = Fixtures.sessionKey({ teamspace, expiresAt: now - 1 })
      const endingNow = Fixtures.sessionKey({ teamspace, expiresAt: now })
      const live = Fixtures.sessionKey({ teamspace, expiresAt: now + 1 })
      for (const each of [key, expired, endingNow, live]) yield* store.insert(each)
      const hashes = () =>
        Effect.map(
          sql<{ readonly hash: string }>`SELECT hash FROM herald_api_keys WHERE teamspace = ${teamspace}`,
          (rows) => rows.map((row) => row.hash).sort()
        )
      // The expired rows are there, though no lookup finds them.
      expect(yield* hashes()).toHaveLength(4)
      expect(Option.isNone(yield* store.findByHash(expired.hash))).toBe(true)

      const dropped = yield* Partitions.dropExpired(now - 24 * 60 * 60 * 1000)
      expect(dropped.sessions).toBe(2)
      expect(yield* hashes()).toEqual([key.hash, live.hash].sort())
      expect(Option.isSome(yield* store.findByHash(live.hash))).toBe(true)

      // A millisecond on, the live one has expired too: the next sweep deletes it.
      yield* TestClock.adjust("1 millis")
      expect(Option.isNone(yield* store.findByHash(live.hash))).toBe(true)
      expect((yield* Partitions.dropExpired(now - 24 * 60 * 60 * 1000)).sessions).toBe(1)
      expect(yield* hashes()).toEqual([key.hash])
    }).pipe(Effect.provide(Layer.provideMerge(PostgresApiKeyStore.layer, client()))))

  it.live("migration 8 gives the sessions stored before it their expiry, so they leave the listing", () =>
    Effect.gen(function*() {
      const fresh = yield* Effect.promise(() => PostgresDatabase.createOwned())
      const check = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        // The schema as it was before migration 8, and two rows written then.
        const before = Object.fromEntries(Object.entries(Migrations.migrations).filter(([name]) => Number(name.split("_")[0]) < 8))
        yield* Migrator.make({})({ loader: Migrator.fromRecord(before), table: Migrations.TABLE })
        const teamspace = Fixtures.teamspace()
        const now = Date.now()
        const key = Fixtures.apiKey({ teamspace, label: "a \"session\":{ look-alike, and a \u0000" })
        const live = Fixtures.sessionKey({ teamspace, expiresAt: now + 60_000 })
        const expired = Fixtures.sessionKey({ teamspace, expiresAt: now - 60_000 })
        for (const each of [key, live, expired]) {
          const record = yield* encode(each)
          yield* sql`INSERT INTO herald_api_keys (hash, id, teamspace, created_at, record)
            VALUES (${each.hash}, ${each.id}, ${each.teamspace}, ${each.createdAt}, ${record})`
        }
        expect(yield* Migrations.run).toEqual([[8, "api_key_sessions"]])
        const rows = yield* sql<{ readonly hash: string; readonly expires_at: string | null }>`
          SELECT hash, expires_at FROM herald_api_keys`
        expect(Object.fromEntries(rows.map((row) => [row.hash, row.expires_at === null ? null : Number(row.expires_at)])))
          .toEqual({ [key.hash]: null, [live.hash]: live.session!.expiresAt, [expired.hash]: expired.session!.expiresAt })
        const store = yield* PostgresApiKeyStore.make
        expect((yield* store.list(teamspace)).map((listed) => listed.hash)).toEqual([key.hash])
        expect(Option.isSome(yield* store.findByHash(live.hash))).toBe(true)
        expect(Option.isNone(yield* store.findByHash(expired.hash))).toBe(true)
      }).pipe(Effect.provide(PostgresClient.layer({ url: fresh.url, maxConnections: 1 })))
      yield* check.pipe(Effect.ensuring(Effect.promise(() => fresh.drop())))
    }))
})
