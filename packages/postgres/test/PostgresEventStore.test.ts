// What the conformance suite cannot see: the day partitions, what is at rest, and retention.
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { Event, EventStore, Ids } from "@herald/core"
import { Partitions, PostgresEventStore } from "@herald/postgres"
import { Fixtures } from "@herald/testkit"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

const DAY = 24 * 60 * 60 * 1000

describe.skipIf(!available)(`PostgresEventStore ${skipReason}`, () => {
  const { client } = useDatabase()
  const store = (options?: PostgresEventStore.Options) =>
    Layer.provideMerge(PostgresEventStore.layer(options), client(8))

  /** Whether the partition of the UTC day holding `time` exists. */
  const partitionExists = (time: number) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(
        sql<{ readonly found: boolean }>`SELECT to_regclass(${Partitions.tableName(Partitions.events, Partitions.dayStart(time))}) IS NOT NULL AS found`,
        (rows) => rows[0]?.found === true
      ))

  it.live("building the layer makes the partitions of yesterday to today + 3 days", () =>
    Effect.gen(function*() {
      const now = Date.now()
      for (let day = -1; day <= 3; day++) expect(yield* partitionExists(now + day * DAY)).toBe(true)
    }).pipe(Effect.provide(store())))

  it.live("an append on a day without a partition makes the partition and stores the event", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const time = Date.now() + 400 * DAY
      expect(yield* partitionExists(time)).toBe(false)
      const event = Fixtures.event({ teamspace: Fixtures.teamspace(), time })
      expect(yield* events.append(event)).toEqual({ _tag: "Appended" })
      expect(yield* partitionExists(time)).toBe(true)
      expect(Option.map(yield* events.get(event.teamspace, event.id), (got) => got.dataJson)).toEqual(
        Option.some(event.dataJson)
      )
    }).pipe(Effect.provide(store())))

  it.live("of concurrent appends of one id from several fibers, on a day without a partition, one is Appended", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const time = Date.now() + 500 * DAY
      const id = Ids.makeEventId(time)
      const candidates = Array.from({ length: 12 }, (_, n) => Fixtures.event({ teamspace, id, time, data: { n } }))
      const fibers = yield* Effect.forEach(candidates, (event) => Effect.fork(events.append(event)))
      const results = yield* Effect.forEach(fibers, (fiber) => fiber.await.pipe(Effect.flatten))
      const winners = candidates.filter((_, n) => results[n]!._tag === "Appended")
      expect(winners).toHaveLength(1)
      for (const result of results) {
        if (result._tag === "Exists") expect(result.existing.dataJson).toBe(winners[0]!.dataJson)
      }
    }).pipe(Effect.provide(store())))

  it.live("two keepers at once make each partition once", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const from = Date.now() + 1000 * DAY
      const to = from + 6 * DAY
      yield* Effect.all([Partitions.ensure(from, to), Partitions.ensure(from, to)], { concurrency: 2 })
      const names = Array.from({ length: 7 }, (_, n) => Partitions.tableName(Partitions.events, Partitions.dayStart(from + n * DAY)))
      const rows = yield* sql<{ readonly name: string }>`SELECT c.relname AS name FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'herald_events'::regclass AND c.relname IN ${sql.in(names)}`
      expect(rows.map((row) => row.name).sort()).toEqual(names)
    }).pipe(Effect.provide(client(4))))

  it.live("an id appended again the next day is Exists with the first event, across partitions", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const first = Fixtures.event({ teamspace, time: Date.now() - DAY / 2 })
      const nextDay = Fixtures.event({ teamspace, id: first.id, time: first.createdAt + DAY, data: { later: true } })
      expect(Partitions.dayStart(nextDay.createdAt)).not.toBe(Partitions.dayStart(first.createdAt))
      expect(yield* events.append(first)).toEqual({ _tag: "Appended" })
      const again = yield* events.append(nextDay)
      expect(again).toMatchObject({ _tag: "Exists", dispatched: false })
      expect(again._tag === "Exists" && again.existing.dataJson).toBe(first.dataJson)
    }).pipe(Effect.provide(store())))

  it.live("dropExpired drops the partitions wholly before the cutoff and their keys, and keeps the younger", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const old = Fixtures.event({ teamspace, time: Date.UTC(2020, 0, 1, 12) })
      const young = Fixtures.event({ teamspace, time: Date.UTC(2020, 0, 3, 12) })
      yield* events.append(old)
      yield* events.append(young)
      // The cutoff falls inside the young event's day, before it: only 2020-01-01 lies wholly before.
      const dropped = yield* Partitions.dropExpired(Date.UTC(2020, 0, 3, 6))
      const day = Date.UTC(2020, 0, 1)
      expect(dropped).toEqual({
        partitions: [Partitions.tableName(Partitions.events, day), Partitions.tableName(Partitions.attempts, day)],
        keys: 1,
        sessions: 0,
        streaks: 0
      })
      expect(yield* partitionExists(old.createdAt)).toBe(false)
      expect(yield* partitionExists(young.createdAt)).toBe(true)
      expect(Option.isNone(yield* events.get(teamspace, old.id))).toBe(true)
      expect(Option.map(yield* events.get(teamspace, young.id), (got) => got.id)).toEqual(Option.some(young.id))
      expect(yield* Partitions.dropExpired(Date.UTC(2020, 0, 3, 6))).toEqual({ partitions: [], keys: 0, sessions: 0, streaks: 0 })
    }).pipe(Effect.provide(store({ retentionSeconds: 100 * 365 * 24 * 60 * 60 }))))

  it.live("the payload is stored once, as text byte for byte (key order, spacing, repeated keys)", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const sql = yield* SqlClient.SqlClient
      const dataJson = `{"b": 1,  "a":[2 ,3],"a":"\\u0000é"}`
      const event = new Event.Event({ ...Fixtures.event({ teamspace: Fixtures.teamspace() }), dataJson })
      yield* events.append(event)
      const rows = yield* sql<{ readonly data: string }>`SELECT data FROM herald_events
        WHERE teamspace = ${event.teamspace} AND id = ${event.id}`
      expect(rows.map((row) => row.data)).toEqual([dataJson])
      expect(Option.map(yield* events.get(event.teamspace, event.id), (got) => got.dataJson)).toEqual(
        Option.some(dataJson)
      )
    }).pipe(Effect.provide(store())))

  it.live("an event older than the retention is gone from get and list, and its id may be appended again", () =>
    Effect.gen(function*() {
      const events = yield* EventStore.EventStore
      const teamspace = Fixtures.teamspace()
      const expired = Fixtures.event({ teamspace, time: Date.now() - 61_000 })
      const kept = Fixtures.event({ teamspace })
      expect(yield* events.append(expired)).toEqual({ _tag: "Appended" })
      expect(yield* events.append(kept)).toEqual({ _tag: "Appended" })
      expect(Option.isNone(yield* events.get(teamspace, expired.id))).toBe(true)
      expect((yield* events.list({ teamspace, limit: 10 })).map((event) => event.id)).toEqual([kept.id])
      const again = Fixtures.event({ teamspace, id: expired.id, data: { again: true } })
      expect(yield* events.append(again)).toEqual({ _tag: "Appended" })
      expect(yield* events.append(again)).toMatchObject({ _tag: "Exists", dispatched: false })
      expect(Option.map(yield* events.get(teamspace, expired.id), (got) => got.dataJson)).toEqual(
        Option.some(again.dataJson)
      )
    }).pipe(Effect.provide(store({ retentionSeconds: 60 }))))
})
