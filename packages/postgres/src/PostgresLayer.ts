/**
 * The PostgreSQL stores at once, over one `SqlClient`: what an app composes when
 * `DATABASE_URL` is set. Provide a client (`PostgresClient.layer(options)`) on a
 * migrated schema (`Migrations.run`, or `Migrations.awaitApplied` in a process that
 * does not migrate). The stores that stay on Redis (rate limits, idempotency) and
 * the queue come from elsewhere (`@herald/runtime`'s `Ports.postgres`).
 */
import type { SqlClient } from "@effect/sql"
import type {
  ApiKeyStore,
  AttemptLog,
  DeliveryLedger,
  EventStore,
  EventTypeStore,
  HealthStore,
  SequenceStore,
  SubscriptionStore
} from "@herald/core"
import { Layer } from "effect"
import * as Partitions from "./Partitions.js"
import * as PostgresApiKeyStore from "./PostgresApiKeyStore.js"
import * as PostgresAttemptLog from "./PostgresAttemptLog.js"
import * as PostgresDeliveryLedger from "./PostgresDeliveryLedger.js"
import * as PostgresEventStore from "./PostgresEventStore.js"
import * as PostgresEventTypeStore from "./PostgresEventTypeStore.js"
import * as PostgresHealthStore from "./PostgresHealthStore.js"
import * as PostgresSequenceStore from "./PostgresSequenceStore.js"
import * as PostgresSubscriptionStore from "./PostgresSubscriptionStore.js"
import * as Retention from "./Retention.js"

/** The ports `layer` provides. */
export type Stores =
  | SubscriptionStore.SubscriptionStore
  | ApiKeyStore.ApiKeyStore
  | EventTypeStore.EventTypeStore
  | EventStore.EventStore
  | AttemptLog.AttemptLog
  | HealthStore.HealthStore
  | SequenceStore.SequenceStore
  | DeliveryLedger.DeliveryLedger

/** How long events, attempts and idle failure streaks are kept (30 days by default). */
export type Options = Retention.Options

/**
 * Provides every Herald store kept on PostgreSQL (`Stores`) over one `SqlClient`: the attempt log
 * ending failure streaks and writing the ledger's change in its own statement (beside
 * `PostgresHealthStore` and `PostgresDeliveryLedger` on the same database), and the delivery ledger, what is owed to whom, so that the queue holds nothing the `Reconciler`
 * cannot rebuild. Runs the partitions' keeper while it lives: the coming days' partitions made
 * ahead and the expired ones dropped, at start and hourly.
 */
export const layer = (options?: Options): Layer.Layer<Stores, never, SqlClient.SqlClient> =>
  Layer.mergeAll(
    PostgresSubscriptionStore.layer,
    PostgresApiKeyStore.layer,
    PostgresEventTypeStore.layer,
    PostgresEventStore.layer({ ...options, owesFirstPage: true }),
    PostgresAttemptLog.layer({ ...options, endsFailureStreaks: true, keepsLedger: true }),
    PostgresHealthStore.layer(options),
    PostgresSequenceStore.layer,
    PostgresDeliveryLedger.layer,
    Partitions.keeper({ retentionSeconds: Retention.millis(options) / 1000 })
  )
