/**
 * The process's configuration, read from the environment and validated at start:
 * a bad value stops the process with a message naming the variable. A process
 * reads what its role needs (README's "read by" column): the worker role reads
 * none of the API's variables, so a value meant for the API cannot stop it.
 */
import { ApiKeys, EventLimits, Herald } from "@herald/core"
import { Config, ConfigError, Effect, Either, Option } from "effect"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as Profiles from "@herald/http/Profiles"
import * as RequestLog from "@herald/http/edge/RequestLog"
import * as RequestTimeouts from "@herald/http/edge/RequestTimeouts"

export const Role = Config.literal("all", "api", "worker")("HERALD_ROLE").pipe(
  Config.withDefault("all" as const),
  Config.withDescription("Which parts this process runs: all (API and delivery), api, or worker")
)

/** What every role reads. */
const common = Config.all({
  redisUrl: Config.option(Config.redacted("REDIS_URL")),
  settings: Herald.settingsConfig(Profiles.all)
})

/** What only a process serving HTTP reads. */
const api = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(8080), Config.withDescription("HTTP port")),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1"), Config.withDescription("HTTP bind address")),
  timeouts: RequestTimeouts.config,
  requestLog: RequestLog.config,
  apiKeys: ApiKeys.seedConfig,
  protection: Protection.config(HeraldApi)
})

const serving = Config.all([common, api]).pipe(Config.map(([common, api]) => ({ ...common, ...api })))

/** An event's data travels in a publish's body, so a data limit over the body limit could never be reached. */
const dataFitsBody = (config: Config.Config.Success<typeof serving>) => {
  const data = config.settings.eventLimits?.maxDataBytes ?? EventLimits.defaults.maxDataBytes
  const body = config.protection.requestLimits.maxBodyBytes
  return data <= body ? Either.right(config) : Either.left(ConfigError.InvalidData(
    ["HERALD_MAX_EVENT_DATA_BYTES"],
    `is ${data} bytes, more than HERALD_MAX_BODY_BYTES (${body}), the largest request body, which must carry the data: raise HERALD_MAX_BODY_BYTES too`
  ))
}

const servingChecked = serving.pipe(Config.mapOrFail(dataFitsBody))

export type ServingConfig = Config.Config.Success<typeof servingChecked> & { readonly role: "all" | "api" }
export type WorkerConfig = Config.Config.Success<typeof common> & { readonly role: "worker" }
export type HeraldConfig = ServingConfig | WorkerConfig

/** The role first, then what it reads. */
export const config: Effect.Effect<HeraldConfig, ConfigError.ConfigError> = Effect.flatMap(
  Role,
  (role): Effect.Effect<HeraldConfig, ConfigError.ConfigError> =>
    role === "worker"
      ? Effect.map(common, (config) => ({ ...config, role }))
      : Effect.map(servingChecked, (config) => ({ ...config, role }))
)

export const hasRedis = (config: HeraldConfig) => Option.isSome(config.redisUrl)
