// What the conformance suite cannot see: what is at rest, and which index a fan-out reads.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { SecretCipher, SubscriptionStore } from "@herald/core"
import { PostgresSubscriptionStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

describe.skipIf(!available)(`PostgresSubscriptionStore ${skipReason}`, () => {
  const { client } = useDatabase()
  const cipher = SecretCipher.aes256gcm(randomBytes(32))
  const encrypted = Layer.provideMerge(PostgresSubscriptionStore.layer, client()).pipe(
    Layer.provide(Layer.succeed(SecretCipher.SecretCipher, cipher))
  )
  const plain = Layer.provideMerge(PostgresSubscriptionStore.layer, client())

  const storedRecord = (teamspace: string, id: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(
        sql<{ readonly record: string }>`SELECT record FROM herald_webhooks WHERE teamspace = ${teamspace} AND id = ${id}`,
        (rows) => rows[0]?.record
      ))

  it.live("stores signing secrets encrypted with a key, and reads them back in the clear", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace })
      const secret = Redacted.value(hook.secrets[0].key)
      yield* store.insert(hook)
      const raw = yield* storedRecord(teamspace, hook.id)
      expect(raw).toContain("enc:v1:")
      expect(raw).not.toContain(secret)
      const read = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      expect(Redacted.value(read.secrets[0].key)).toBe(secret)
      expect((yield* store.active(teamspace, hook.events[0])).map((found) => Redacted.value(found.secrets[0].key)))
        .toEqual([secret])
    }).pipe(Effect.provide(encrypted)))

  it.live("stores signing secrets as they are without a key", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace })
      yield* store.insert(hook)
      const raw = yield* storedRecord(teamspace, hook.id)
      expect(raw).toContain(Redacted.value(hook.secrets[0].key))
      expect(raw).not.toContain("enc:v1:")
    }).pipe(Effect.provide(plain)))

  it.live("the fan-out index holds one row per event type of each enabled webhook, and activePage reads only it", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      let time = Fixtures.baseTime
      const subscriber = Fixtures.webhook({ teamspace, time: time++, events: [Fixtures.typeA, Fixtures.typeB] })
      const disabled = Fixtures.webhook({ teamspace, time: time++, events: [Fixtures.typeA], enabled: false })
      yield* store.insert(subscriber)
      yield* store.insert(disabled)
      const rows = yield* sql<{ readonly event_type: string; readonly webhook_id: string }>`
        SELECT event_type, webhook_id FROM herald_webhook_subscriptions WHERE teamspace = ${teamspace}
        ORDER BY event_type`
      expect(rows).toEqual([
        { event_type: Fixtures.typeA, webhook_id: subscriber.id },
        { event_type: Fixtures.typeB, webhook_id: subscriber.id }
      ].sort((a, b) => a.event_type < b.event_type ? -1 : 1))

      // The plan of activePage's query with sequential scans priced out: the primary key, index only.
      const plan = yield* sql.withTransaction(Effect.zipRight(
        sql`SET LOCAL enable_seqscan = off`,
        sql<{ readonly "QUERY PLAN": string }>`EXPLAIN SELECT webhook_id, ordered
          FROM herald_webhook_subscriptions WHERE teamspace = ${teamspace} AND event_type = ${Fixtures.typeA}
          AND webhook_id > ${""} ORDER BY webhook_id LIMIT 10`
      ))
      const text = plan.map((row) => row["QUERY PLAN"]).join("\n")
      expect(text).toContain("Index Only Scan using herald_webhook_subscriptions_pkey")
      expect(text).not.toContain("herald_webhooks")
    }).pipe(Effect.provide(Layer.provideMerge(PostgresSubscriptionStore.layer, client(1)))))

  it.live("after concurrent updates of one webhook, the fan-out index matches the record that won", () =>
    Effect.gen(function*() {
      const store = yield* SubscriptionStore.SubscriptionStore
      const sql = yield* SqlClient.SqlClient
      const teamspace = Fixtures.teamspace()
      const hook = Fixtures.webhook({ teamspace, events: [Fixtures.typeA] })
      yield* store.insert(hook)
      const types = [Fixtures.typeA, Fixtures.typeB, Fixtures.typeC]
      const versions = Array.from({ length: 24 }, (_, n) =>
        Fixtures.withChanges(hook, {
          events: n % 2 === 0 ? [types[n % 3]!] : [types[n % 3]!, types[(n + 1) % 3]!],
          enabled: n % 4 !== 3,
          ordered: n % 5 === 0
        }))
      yield* Effect.forEach(versions, store.update, { concurrency: "unbounded", discard: true })

      const stored = Option.getOrThrow(yield* store.get(teamspace, hook.id))
      const rows = yield* sql<{ readonly event_type: string; readonly ordered: boolean }>`
        SELECT event_type, ordered FROM herald_webhook_subscriptions
        WHERE teamspace = ${teamspace} AND webhook_id = ${hook.id} ORDER BY event_type`
      const expected = stored.enabled
        ? [...stored.events].sort().map((eventType) => ({ event_type: eventType, ordered: stored.ordered }))
        : []
      expect(rows).toEqual(expected)
    }).pipe(Effect.provide(Layer.provideMerge(PostgresSubscriptionStore.layer, client(8)))))
})
