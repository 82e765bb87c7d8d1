/**
 * `@herald/testkit`: helpers for tests and tools that drive Herald, none of
 * which imports vitest, so they load in any Node process. The conformance suites
 * are at `@herald/testkit/conformance`.
 *
 * @packageDocumentation
 */
export * as ChildProcesses from "./ChildProcesses.js"
export * as Fixtures from "./Fixtures.js"
export * as ImportCycles from "./ImportCycles.js"
export * as PostgresDatabase from "./PostgresDatabase.js"
export * as PrometheusText from "./PrometheusText.js"
export * as RecordingTracer from "./RecordingTracer.js"
export * as RedisCluster from "./RedisCluster.js"
export * as RedisServer from "./RedisServer.js"
export * as TestReceiver from "./TestReceiver.js"
