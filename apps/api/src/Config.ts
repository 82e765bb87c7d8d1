/**
 * The process's configuration, read from the environment and validated at start:
 * a bad value stops the process with a message naming the variable.
 */
import { ApiKeys, EventLimits, Herald } from "@herald/core"
import { Config, ConfigError, Either, Option } from "effect"
import { HeraldApi } from "./Api.js"
import * as HttpServer from "./HttpServer.js"
import * as Protection from "./Protection.js"
import * as RequestLog from "./RequestLog.js"

export const Role = Config.literal("all", "api", "worker")("HERALD_ROLE").pipe(
  Config.withDefault("all" as const),
  Config.withDescription("Which parts this process runs: all (API and delivery), api, or worker")
)

const fields = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(8080), Config.withDescription("HTTP port")),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1"), Config.withDescription("HTTP bind address")),
  timeouts: HttpServer.timeoutsConfig,
  role: Role,
  requestLog: RequestLog.config,
  redisUrl: Config.option(Config.redacted("REDIS_URL")),
  apiKeys: ApiKeys.seedConfig,
  settings: Herald.settingsConfig,
  protection: Protection.config(HeraldApi)
})

/** An event's data travels in a publish's body, so a data limit over the body limit could never be reached. */
const dataFitsBody = (config: Config.Config.Success<typeof fields>) => {
  const data = config.settings.eventLimits?.maxDataBytes ?? EventLimits.defaults.maxDataBytes
  const body = config.protection.requestLimits.maxBodyBytes
  return data <= body ? Either.right(config) : Either.left(ConfigError.InvalidData(
    ["HERALD_MAX_EVENT_DATA_BYTES"],
    `is ${data} bytes, more than HERALD_MAX_BODY_BYTES (${body}), the largest request body, which must carry the data: raise HERALD_MAX_BODY_BYTES too`
  ))
}

export const config = fields.pipe(Config.mapOrFail(dataFitsBody))

export type HeraldConfig = Config.Config.Success<typeof config>

export const hasRedis = (config: HeraldConfig) => Option.isSome(config.redisUrl)
