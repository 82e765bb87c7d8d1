/**
 * The PostgreSQL stores at once, over one `SqlClient`: what an app composes when
 * `DATABASE_URL` is set. Provide a client (`PostgresClient.layer(options)`) on a
 * migrated schema (`Migrations.run`, or `Migrations.awaitApplied` in a process that
 * does not migrate). The stores that stay on Redis (rate limits, idempotency) and
 * the queue come from elsewhere (`@herald/runtime`'s `Ports.postgres`).
 */
import type { SqlClient } from "@effect/sql"
import type { ApiKeyStore, EventStore, SubscriptionStore } from "@herald/core"
import { Layer } from "effect"
import * as PostgresApiKeyStore from "./PostgresApiKeyStore.js"
import * as PostgresEventStore from "./PostgresEventStore.js"
import * as PostgresSubscriptionStore from "./PostgresSubscriptionStore.js"

/** The ports `layer` provides. */
export type Stores = SubscriptionStore.SubscriptionStore | ApiKeyStore.ApiKeyStore | EventStore.EventStore

/** How long event data is kept (`PostgresEventStore.Options`). */
export type Options = PostgresEventStore.Options

/** Provides every Herald store kept on PostgreSQL (`Stores`) over one `SqlClient`. */
export const layer = (options?: Options): Layer.Layer<Stores, never, SqlClient.SqlClient> =>
  Layer.mergeAll(
    PostgresSubscriptionStore.layer,
    PostgresApiKeyStore.layer,
    PostgresEventStore.layer(options)
  )
