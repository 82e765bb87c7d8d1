/**
 * EventTypeStore on PostgreSQL: `herald_event_types` (in `Migrations`), one row
 * per teamspace, profile and name beside the Schema-encoded definition. A
 * teamspace's definitions are read whole, in primary key order (profile, then
 * name, bytewise). `insert` adds a row unless one is there, `update` replaces
 * one that still holds the previous record (compare-and-set); each says by the
 * row it returns whether it wrote. Database
 * failures are defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { EventTypeStore, type Ids } from "@herald/core"

const json = Schema.parseJson(EventTypeStore.EventTypeDefinition)
const encodeJson = Schema.encode(json)
const decodeJson = Schema.decodeUnknown(json)

interface RecordRow {
  readonly record: string
}

/**
 * Builds the PostgreSQL `EventTypeStore` over `@effect/sql`'s `SqlClient`; for composing it
 * yourself. Most callers want `layer`. Needs the schema (`Migrations.run`).
 */
export const make: Effect.Effect<EventTypeStore.EventTypeStoreShape, never, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient

    const list = (teamspace: Ids.TeamspaceId) =>
      sql<RecordRow>`SELECT record FROM herald_event_types WHERE teamspace = ${teamspace} ORDER BY profile, name`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => Effect.forEach(rows, (row) => Effect.orDie(decodeJson(row.record))))
      )

    /** Runs `statement` with the definition's record; true if it returned a row (it wrote). */
    const wrote = <E>(
      definition: EventTypeStore.EventTypeDefinition,
      statement: (record: string) => Effect.Effect<ReadonlyArray<unknown>, E>
    ) =>
      encodeJson(definition).pipe(
        Effect.flatMap(statement),
        Effect.orDie,
        Effect.map((rows) => rows.length > 0)
      )

    const insert = (definition: EventTypeStore.EventTypeDefinition) =>
      wrote(definition, (record) =>
        sql`INSERT INTO herald_event_types (teamspace, profile, name, record)
          VALUES (${definition.teamspace}, ${definition.profile}, ${definition.name}, ${record})
          ON CONFLICT (teamspace, profile, name) DO NOTHING
          RETURNING name`)

    const update = (definition: EventTypeStore.EventTypeDefinition, previous: EventTypeStore.EventTypeDefinition) =>
      Effect.flatMap(Effect.orDie(encodeJson(previous)), (previousRecord) =>
        wrote(definition, (record) =>
          sql`UPDATE herald_event_types SET record = ${record}
            WHERE teamspace = ${definition.teamspace} AND profile = ${definition.profile} AND name = ${definition.name}
              AND record = ${previousRecord}
            RETURNING name`))

    return { list, insert, update }
  }
)

/**
 * Provides `EventTypeStore` on PostgreSQL; needs a `SqlClient` (`PostgresClient.layer`) and the
 * schema (`Migrations`). Database failures are defects, so the port's operations never fail.
 */
export const layer: Layer.Layer<EventTypeStore.EventTypeStore, never, SqlClient.SqlClient> = Layer.effect(
  EventTypeStore.EventTypeStore,
  make
)
