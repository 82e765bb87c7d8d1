// The testkit conformance suites, run unchanged against the PostgreSQL adapters on one private database.
import { describe } from "@effect/vitest"
import { Layer } from "effect"
import { PostgresApiKeyStore, PostgresSubscriptionStore } from "@herald/postgres"
import { ApiKeyStoreSuite, SubscriptionStoreSuite } from "@herald/testkit/conformance"
import { available, skipReason, useDatabase } from "./TestDatabase.js"

describe.skipIf(!available)(`PostgreSQL conformance ${skipReason}`, () => {
  const { client } = useDatabase()
  SubscriptionStoreSuite.suite("PostgresSubscriptionStore", Layer.provide(PostgresSubscriptionStore.layer, client()))
  ApiKeyStoreSuite.suite("PostgresApiKeyStore", Layer.provide(PostgresApiKeyStore.layer, client()))
})
