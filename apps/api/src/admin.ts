/**
 * `npm run keys -w @herald/api -- <command>` (or `node apps/api/dist/admin.js`):
 * create, list and revoke API keys in the Redis every API process uses (the
 * same `REDIS_URL`, `HERALD_REDIS_PREFIX` and `HERALD_REDIS_CLUSTER`). See
 * `ApiKeyAdmin` for the commands.
 *
 * The embedded default keeps its keys in the memory of its one process, so
 * there is nothing to administer from outside it: without `REDIS_URL` this
 * says so and exits.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ApiKeys } from "@herald/core"
import * as Redis from "@herald/redis"
import { Config, Console, Effect, Layer, Option } from "effect"
import * as Admin from "./ApiKeyAdmin.js"

const NO_REDIS = `keys: REDIS_URL is not set. The embedded default keeps API keys in the memory of its one process,
so there is nothing to administer from outside it: give it keys with HERALD_API_KEYS (or use the one it
prints at start). Set REDIS_URL (and HERALD_REDIS_PREFIX / HERALD_REDIS_CLUSTER as the API has them) to
manage the keys of Herald on Redis.`

const keysOnRedis = ApiKeys.ApiKeys.Default.pipe(
  Layer.provide(Redis.RedisApiKeyStore.layer),
  Layer.provide(Redis.RedisClient.layerConfig)
)

const program = Effect.gen(function*() {
  const args = process.argv.slice(2)
  if (args.length === 0 || args[0] === "help" || args[0] === "--help") {
    yield* Console.error(Admin.USAGE)
    return args.length === 0 ? 2 : 0
  }
  if (Option.isNone(yield* Config.option(Config.string("REDIS_URL")))) {
    yield* Console.error(NO_REDIS)
    return 1
  }
  return yield* Admin.report(Admin.run(args)).pipe(Effect.provide(keysOnRedis))
}).pipe(
  Effect.catchAll((error) => Console.error(`keys: ${String(error)}`).pipe(Effect.as(1))),
  Effect.flatMap((status) => Effect.sync(() => void (process.exitCode = status)))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
