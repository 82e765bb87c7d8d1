// The testkit conformance suites, run unchanged against the PostgreSQL adapters on one private database.
import { describe } from "@effect/vitest"
import { Layer } from "effect"
import {
  PostgresApiKeyStore,
  PostgresDeliveryLedger,
  PostgresEventStore,
  PostgresSequenceStore,
  PostgresSubscriptionStore
} from "@herald/postgres"
import {
  ApiKeyStoreSuite,
  DeliveryLedgerSuite,
  EventStoreSuite,
  SequenceStoreSuite,
  SubscriptionStoreSuite
} from "@herald/testkit/conformance"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

/**
 * The suite's fixtures date events at 2026-01-01 (`Fixtures.baseTime`), and this store measures
 * retention from an event's `createdAt` (Redis from its write; `Publisher` stamps `createdAt` at
 * publish, so the two agree in Herald): a retention of ten years keeps them.
 */
const retentionSeconds = 10 * 365 * 24 * 60 * 60

describe.skipIf(!available)(`PostgreSQL conformance ${skipReason}`, () => {
  const { client } = useDatabase()
  SubscriptionStoreSuite.suite("PostgresSubscriptionStore", Layer.provide(PostgresSubscriptionStore.layer, client()))
  ApiKeyStoreSuite.suite("PostgresApiKeyStore", Layer.provide(PostgresApiKeyStore.layer, client()))
  EventStoreSuite.suite("PostgresEventStore", Layer.provide(PostgresEventStore.layer({ retentionSeconds }), client()))
  SequenceStoreSuite.suite("PostgresSequenceStore", Layer.provide(PostgresSequenceStore.layer, client()))
  // The ledger reads the event store's keys and fan-out cursors and the sequence store's heads.
  DeliveryLedgerSuite.suite(
    "PostgresDeliveryLedger",
    Layer.mergeAll(
      PostgresDeliveryLedger.layer,
      PostgresEventStore.layer({ retentionSeconds }),
      PostgresSequenceStore.layer
    ).pipe(Layer.provide(client()))
  )
})
