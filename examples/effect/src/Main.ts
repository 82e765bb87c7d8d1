/**
 * What the entry points share to start: run only when Node was started on the
 * entry (a test imports it instead), and the Redis and database URLs from the
 * command line.
 * Examples read their own arguments and environment; Herald's packages never do.
 */
import { pathToFileURL } from "node:url"
import { NodeRuntime } from "@effect/platform-node"
import type { Effect } from "effect"

/**
 * Runs `program` when the module at `moduleUrl` (its `import.meta.url`) is the
 * script Node was started with. `NodeRuntime.runMain` logs a failure and sets
 * the exit code; SIGINT or SIGTERM interrupts `program`, which runs its finalizers.
 */
export const runIfMain = (moduleUrl: string, program: Effect.Effect<unknown, unknown>): void => {
  const script = process.argv[1]
  if (script !== undefined && moduleUrl === pathToFileURL(script).href) NodeRuntime.runMain(program)
}

/** The argument at `position` (the first by default), else `REDIS_URL`, else a local Redis. */
export const redisUrl = (position = 2): string => process.argv[position] ?? process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"

/** The first argument, else `DATABASE_URL`, else a local database named herald. */
export const databaseUrl = (): string =>
  process.argv[2] ?? process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/herald"
