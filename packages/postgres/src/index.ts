/**
 * `@herald/postgres`: PostgreSQL adapters for Herald's durable stores, on
 * Effect's SQL toolkit (`@effect/sql`, `@effect/sql-pg`). `PostgresClient`
 * opens the pool, `Migrations` applies the schema, and each store is a layer
 * over `@effect/sql`'s `SqlClient`. Not yet wired into Herald's processes
 * (issue 16).
 *
 * @packageDocumentation
 */
export * as Migrations from "./Migrations.js"
export * as Partitions from "./Partitions.js"
export * as PostgresApiKeyStore from "./PostgresApiKeyStore.js"
export * as PostgresClient from "./PostgresClient.js"
export * as PostgresDeliveryLedger from "./PostgresDeliveryLedger.js"
export * as PostgresEventStore from "./PostgresEventStore.js"
export * as PostgresSequenceStore from "./PostgresSequenceStore.js"
export * as PostgresSubscriptionStore from "./PostgresSubscriptionStore.js"
