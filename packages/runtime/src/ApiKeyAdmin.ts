/**
 * The API key admin command (`admin.ts` runs it on the API's store):
 *
 *   create --teamspace acme --scopes read,events:publish [--label ci]
 *   list --teamspace acme
 *   revoke <key id>
 *
 * `create` writes the new key alone to stdout, once (so `KEY=$(... create ...)`
 * captures it) and what it made to stderr; nothing is logged. Keys are listed
 * and revoked by their id, the first 12 hex digits of the key's hash, which
 * reveals nothing of the key. A revoke is published over Redis
 * (`KeyRevocations`), so the running API processes stop accepting the key
 * within a second.
 *
 * `command` runs it where every API process keeps its keys: the PostgreSQL
 * database of `DATABASE_URL` when it is set, else the Redis of `REDIS_URL` (with
 * the same `HERALD_REDIS_PREFIX` and `HERALD_REDIS_CLUSTER`). The embedded default
 * keeps its keys in the memory of its one process, so there is nothing to
 * administer from outside it: with neither variable the command says so and exits.
 */
import { ApiKeys, ApiKeyStore, Ids } from "@herald/core"
import * as Postgres from "@herald/postgres"
import * as Redis from "@herald/redis"
import { Console, Data, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as Environment from "./Environment.js"

/** A mistake in the command line (exit status 2) or a refusal (exit status 1). */
export class AdminError extends Data.TaggedError("AdminError")<{
  readonly message: string
  readonly usage: boolean
}> {}

/** The keys command's usage text, printed with a command-line mistake. */
export const USAGE = `Usage:
  keys create --teamspace <teamspace> --scopes <scope,...> [--label <text>]
      Creates an API key bound to the teamspace and prints it, once.
      Scopes: ${ApiKeys.allScopes.join(", ")} (or all).
  keys list --teamspace <teamspace>
      Lists the teamspace's keys: id, scopes, label, creation time (never the keys).
  keys revoke <key id>
      Revokes the key with this id at once, for every API process.`

const usageError = (message: string) => new AdminError({ message, usage: true })

/**
 * How to make a key with every scope, typed at the checkout's root (`-s` keeps
 * npm's banner out of stdout, so `KEY=$(...)` captures the key alone).
 */
export const createCommand = (teamspace: string) =>
  `npm run -s keys -w @herald/api -- create --teamspace ${teamspace} --scopes all --label admin`

interface Parsed {
  readonly positional: ReadonlyArray<string>
  readonly options: ReadonlyMap<string, string>
}

const OPTIONS = new Set(["teamspace", "scopes", "label"])

const parseArgs = (args: ReadonlyArray<string>): Either.Either<Parsed, AdminError> => {
  const positional: Array<string> = []
  const options = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("--")) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf("=")
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    if (!OPTIONS.has(name)) return Either.left(usageError(`unknown option --${name}`))
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1)
    if (value === undefined) return Either.left(usageError(`--${name} needs a value`))
    options.set(name, value)
  }
  return Either.right({ positional, options })
}

const isTeamspace = Schema.is(Ids.TeamspaceId)

const teamspaceOf = (parsed: Parsed): Either.Either<Ids.TeamspaceId, AdminError> => {
  const teamspace = parsed.options.get("teamspace")
  if (teamspace === undefined) {
    return Either.left(usageError("--teamspace is required: the teamspace the key is bound to, e.g. --teamspace acme"))
  }
  return isTeamspace(teamspace)
    ? Either.right(teamspace)
    : Either.left(usageError(`--teamspace: ${JSON.stringify(teamspace)} is not a teamspace (A-Z a-z 0-9 _ . -, at most 64)`))
}

const scopesOf = (parsed: Parsed): Either.Either<ReadonlyArray<ApiKeyStore.Scope>, AdminError> => {
  const scopes = parsed.options.get("scopes")
  if (scopes === undefined) {
    return Either.left(
      usageError(`--scopes is required: a comma list of ${ApiKeys.allScopes.join(", ")}, or all (e.g. --scopes all)`)
    )
  }
  if (scopes.trim() === "all") return Either.right(ApiKeys.allScopes)
  return Either.mapLeft(ApiKeys.parseScopes(scopes), (message) => usageError(`--scopes: ${message}`))
}

const describeKey = (key: ApiKeyStore.ApiKey) =>
  `${key.id}  ${key.scopes.join(",").padEnd(34)}  ${new Date(key.createdAt).toISOString()}  ${key.label}`

const create = (parsed: Parsed) =>
  Effect.gen(function*() {
    const teamspace = yield* teamspaceOf(parsed)
    const scopes = yield* scopesOf(parsed)
    const label = parsed.options.get("label") ?? ""
    const apiKeys = yield* ApiKeys.ApiKeys
    const { key, record } = yield* apiKeys.issue(teamspace, { scopes, label })
    yield* Console.error(
      `Created API key ${record.id} for teamspace "${teamspace}" with scopes ${scopes.join(", ")}${
        label === "" ? "" : ` (label "${label}")`
      }. This is the only time the key is shown:`
    )
    // The key's one appearance: stdout, never a log.
    yield* Console.log(Redacted.value(key))
  })

const list = (parsed: Parsed) =>
  Effect.gen(function*() {
    const teamspace = yield* teamspaceOf(parsed)
    const keys = yield* (yield* ApiKeys.ApiKeys).list(teamspace)
    if (keys.length === 0) {
      yield* Console.error(`No API keys in teamspace "${teamspace}".`)
      return
    }
    yield* Console.log(`${"id".padEnd(ApiKeyStore.ID_LENGTH)}  ${"scopes".padEnd(34)}  ${"created".padEnd(24)}  label`)
    for (const key of keys) yield* Console.log(describeKey(key))
  })

const revoke = (parsed: Parsed) =>
  Effect.gen(function*() {
    const [id, ...rest] = parsed.positional
    if (id === undefined || rest.length > 0) return yield* usageError("revoke takes one key id")
    if (!/^[0-9a-f]+$/.test(id) || id.length !== ApiKeyStore.ID_LENGTH) {
      return yield* usageError(`${JSON.stringify(id)} is not a key id (${ApiKeyStore.ID_LENGTH} hex digits, as list shows)`)
    }
    const revoked = yield* (yield* ApiKeys.ApiKeys).revokeById(id)
    if (Option.isNone(revoked)) return yield* new AdminError({ message: `No API key has the id ${id}`, usage: false })
    const key = revoked.value
    yield* Console.error(`Revoked API key ${key.id} of teamspace "${key.teamspace}"${key.label === "" ? "" : ` (label "${key.label}")`}.`)
  })

/** Runs one command; fails with an `AdminError` to print (with the usage when it is a command-line mistake). */
export const run = (args: ReadonlyArray<string>): Effect.Effect<void, AdminError, ApiKeys.ApiKeys> =>
  Effect.gen(function*() {
    const parsed = yield* parseArgs(args)
    const [command, ...positional] = parsed.positional
    const rest = { ...parsed, positional }
    switch (command) {
      case "create":
      case "list":
        if (positional.length > 0) return yield* usageError(`${command} takes no arguments besides its options`)
        return yield* (command === "create" ? create(rest) : list(rest))
      case "revoke":
        return yield* revoke(rest)
      case undefined:
      case "help":
        return yield* Console.error(USAGE)
      default:
        return yield* usageError(`unknown command ${JSON.stringify(command)}`)
    }
  })

/** The exit status of a finished command, having printed what went wrong. */
export const report = <R>(effect: Effect.Effect<void, AdminError, R>): Effect.Effect<number, never, R> =>
  effect.pipe(
    Effect.as(0),
    Effect.catchAll((error) =>
      Console.error(error.usage ? `keys: ${error.message}\n\n${USAGE}` : `keys: ${error.message}`).pipe(
        Effect.as(error.usage ? 2 : 1)
      )
    )
  )

const NO_REDIS = `keys: neither DATABASE_URL nor REDIS_URL is set. The embedded default keeps API keys in the memory
of its one process, so there is nothing to administer from outside it: give it keys with HERALD_API_KEYS
(or use the one it prints at start). Set the API's DATABASE_URL, or its REDIS_URL (and HERALD_REDIS_PREFIX /
HERALD_REDIS_CLUSTER as the API has them), to manage the keys of Herald's store.`

/** A revoke is published where the API processes listen, so each drops the key from its cache within a second. */
const revocationsOn = (options: Redis.RedisClient.Options) =>
  Redis.RedisKeyRevocations.layer.pipe(Layer.provide(Redis.RedisClient.layer(options)))

const keysOnRedis = (options: Redis.RedisClient.Options) =>
  ApiKeys.ApiKeys.Default.pipe(
    Layer.provide(Layer.merge(Redis.RedisApiKeyStore.layer, Redis.RedisKeyRevocations.layer)),
    Layer.provide(Redis.RedisClient.layer(options))
  )

/**
 * On PostgreSQL the command never migrates: a schema the API has not applied yet is refused at once.
 * Without `REDIS_URL` it cannot reach the API processes' caches: a revoke then takes effect when
 * their cached copies expire.
 */
const keysOnPostgres = (url: Redacted.Redacted<string>, redis: Option.Option<Redis.RedisClient.Options>) =>
  ApiKeys.ApiKeys.Default.pipe(
    Layer.provide(Postgres.PostgresApiKeyStore.layer),
    Layer.provide(Option.match(redis, { onNone: () => Layer.empty, onSome: revocationsOn })),
    Layer.provide(Layer.provideMerge(
      Layer.effectDiscard(Postgres.Migrations.awaitApplied({ timeoutMs: 0 })),
      Postgres.PostgresClient.layer({ url, maxConnections: 1 })
    ))
  )

/** The command line `args` run on the environment's store; sets the process's exit status. */
export const command = (args: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (args.length === 0 || args[0] === "help" || args[0] === "--help") {
      yield* Console.error(USAGE)
      return args.length === 0 ? 2 : 0
    }
    const store = yield* Environment.keysCommand
    if (Option.isNone(store)) {
      yield* Console.error(NO_REDIS)
      return 1
    }
    const keys: Layer.Layer<ApiKeys.ApiKeys, unknown> = store.value._tag === "Postgres"
      ? keysOnPostgres(store.value.url, store.value.redis)
      : keysOnRedis(store.value.options)
    // Which store, so a key made in the wrong one (a shell without the API's DATABASE_URL) shows.
    yield* Console.error(Environment.keysStoreLine(store.value))
    return yield* report(run(args)).pipe(Effect.provide(keys))
  }).pipe(
    Effect.catchAll((error) => Console.error(`keys: ${Environment.commandFailure(error)}`).pipe(Effect.as(1))),
    Effect.flatMap((status) => Effect.sync(() => void (process.exitCode = status)))
  )
