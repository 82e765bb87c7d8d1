/**
 * `@herald/postgres`: PostgreSQL adapters for Herald's durable stores, on
 * Effect's SQL toolkit (`@effect/sql`, `@effect/sql-pg`). `PostgresClient`
 * opens the pool, `Migrations` applies the schema, `Partitions` keeps the
 * history tables' day partitions, and each store is a layer over
 * `@effect/sql`'s `SqlClient`; `PostgresLayer` provides them at once, as
 * `@herald/runtime` composes them when `DATABASE_URL` is set.
 *
 * @packageDocumentation
 */
export * as Migrations from "./Migrations.js"
export * as Partitions from "./Partitions.js"
export * as PostgresApiKeyStore from "./PostgresApiKeyStore.js"
export * as PostgresAttemptLog from "./PostgresAttemptLog.js"
export * as PostgresClient from "./PostgresClient.js"
export * as PostgresDeliveryLedger from "./PostgresDeliveryLedger.js"
export * as PostgresEventStore from "./PostgresEventStore.js"
export * as PostgresEventTypeStore from "./PostgresEventTypeStore.js"
export * as PostgresHealthStore from "./PostgresHealthStore.js"
export * as PostgresLayer from "./PostgresLayer.js"
export * as PostgresSequenceStore from "./PostgresSequenceStore.js"
export * as PostgresSubscriptionStore from "./PostgresSubscriptionStore.js"
export * as Retention from "./Retention.js"
