/**
 * ApiKeyStore on PostgreSQL: `herald_api_keys` (in `Migrations`), one row per
 * key hash with its id, teamspace and creation time beside the Schema-encoded
 * key, indexed for each lookup: by hash (authentication, the primary key), by
 * id (administration) and by teamspace, oldest first (listing). Keys hold no
 * secret (only hashes), so nothing goes through `SecretCipher`, as on Redis.
 * A portal session's row carries its `expires_at` (NULL for an API key): the
 * lookups leave it out from then on (by the effect's clock), `list` always, and
 * the partitions' keeper deletes it (`Partitions.dropExpired`).
 * Database failures are defects: the port's operations never fail.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { ApiKeyStore, type Ids } from "@herald/core"

const json = Schema.parseJson(ApiKeyStore.ApiKey)
const encodeJson = Schema.encode(json)
const decodeJson = Schema.decodeUnknown(json)

interface RecordRow {
  readonly record: string
}

/**
 * Builds the PostgreSQL `ApiKeyStore` over `@effect/sql`'s `SqlClient`; for composing it yourself.
 * Most callers want `layer`. Needs the schema (`Migrations.run`).
 */
export const make: Effect.Effect<ApiKeyStore.ApiKeyStoreShape, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const decode = (row: RecordRow) => Effect.orDie(decodeJson(row.record))
  const first = (rows: ReadonlyArray<RecordRow>) =>
    rows[0] === undefined ? Effect.succeedNone : Effect.asSome(decode(rows[0]))

  const insert = (key: ApiKeyStore.ApiKey) =>
    encodeJson(key).pipe(
      Effect.flatMap((record) =>
        sql`INSERT INTO herald_api_keys (hash, id, teamspace, created_at, record, expires_at)
          VALUES (${key.hash}, ${key.id}, ${key.teamspace}, ${key.createdAt}, ${record},
            ${key.session === null ? null : key.session.expiresAt})
          ON CONFLICT (hash) DO UPDATE
          SET id = excluded.id, teamspace = excluded.teamspace, created_at = excluded.created_at,
            record = excluded.record, expires_at = excluded.expires_at`
      ),
      Effect.orDie,
      Effect.asVoid
    )

  const findByHash = (hash: string) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) =>
        sql<RecordRow>`SELECT record FROM herald_api_keys
          WHERE hash = ${hash} AND (expires_at IS NULL OR expires_at > ${now})`
      ),
      Effect.orDie,
      Effect.flatMap(first)
    )

  // Two keys share an id only by a (theoretical) 48-bit hash-prefix collision: the newest wins.
  const findById = (id: string) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) =>
        sql<RecordRow>`SELECT record FROM herald_api_keys
          WHERE id = ${id} AND (expires_at IS NULL OR expires_at > ${now})
          ORDER BY created_at DESC LIMIT 1`
      ),
      Effect.orDie,
      Effect.flatMap(first)
    )

  const list = (teamspace: Ids.TeamspaceId) =>
    sql<RecordRow>`SELECT record FROM herald_api_keys
      WHERE teamspace = ${teamspace} AND expires_at IS NULL ORDER BY created_at, id`.pipe(
      Effect.orDie,
      Effect.flatMap((rows) => Effect.forEach(rows, decode))
    )

  // An expired session's row goes too, but was no longer there as far as the port tells.
  const remove = (hash: string) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) =>
        sql<{ readonly live: boolean }>`DELETE FROM herald_api_keys WHERE hash = ${hash}
          RETURNING (expires_at IS NULL OR expires_at > ${now}) AS live`
      ),
      Effect.orDie,
      Effect.map((rows) => rows.some((row) => row.live))
    )

  return { insert, findByHash, findById, list, remove }
})

/**
 * Provides `ApiKeyStore` on PostgreSQL; needs a `SqlClient` (`PostgresClient.layer`) and the schema
 * (`Migrations`). Database failures are defects, so the port's operations never fail.
 */
export const layer: Layer.Layer<ApiKeyStore.ApiKeyStore, never, SqlClient.SqlClient> = Layer.effect(
  ApiKeyStore.ApiKeyStore,
  make
)
