// The testkit conformance suites, run unchanged against the PostgreSQL adapters on one private database.
import { describe } from "@effect/vitest"
import { Layer } from "effect"
import {
  PostgresApiKeyStore,
  PostgresAttemptLog,
  PostgresDeliveryLedger,
  PostgresEventStore,
  PostgresEventTypeStore,
  PostgresHealthStore,
  PostgresSequenceStore,
  PostgresSubscriptionStore
} from "@herald/postgres"
import {
  ApiKeyStoreSuite,
  AttemptLogSuite,
  DeliveryLedgerSuite,
  EventStoreSuite,
  EventTypeStoreSuite,
  HealthStoreSuite,
  SequenceStoreSuite,
  SubscriptionStoreSuite
} from "@herald/testkit/conformance"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

/**
 * The suites' fixtures date events and attempts at 2026-01-01 (`Fixtures.baseTime`), and these
 * stores measure retention from an event's `createdAt` and an attempt's `attemptedAt` (Redis from
 * its write; Herald stamps both when they happen, so the two agree in Herald): a retention of ten
 * years keeps them.
 */
const retentionSeconds = 10 * 365 * 24 * 60 * 60

describe.skipIf(!available)(`PostgreSQL conformance ${skipReason}`, () => {
  const { client } = useDatabase()
  SubscriptionStoreSuite.suite("PostgresSubscriptionStore", Layer.provide(PostgresSubscriptionStore.layer, client()))
  ApiKeyStoreSuite.suite("PostgresApiKeyStore", Layer.provide(PostgresApiKeyStore.layer, client()))
  EventTypeStoreSuite.suite("PostgresEventTypeStore", Layer.provide(PostgresEventTypeStore.layer, client()))
  EventStoreSuite.suite("PostgresEventStore", Layer.provide(PostgresEventStore.layer({ retentionSeconds }), client()))
  AttemptLogSuite.suite("PostgresAttemptLog", Layer.provide(PostgresAttemptLog.layer({ retentionSeconds }), client()))
  // The log as it runs beside PostgresHealthStore: a success's insert also ends the streak.
  AttemptLogSuite.suite(
    "PostgresAttemptLog (endsFailureStreaks)",
    Layer.provide(PostgresAttemptLog.layer({ retentionSeconds, endsFailureStreaks: true }), client())
  )
  HealthStoreSuite.suite("PostgresHealthStore", Layer.provide(PostgresHealthStore.layer(), client()))
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
