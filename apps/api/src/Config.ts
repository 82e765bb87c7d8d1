/**
 * The process's configuration, read from the environment and validated at start:
 * a bad value stops the process with a message naming the variable.
 */
import { ApiKeys, Herald } from "@herald/core"
import { Config, Option } from "effect"
import { HeraldApi } from "./Api.js"
import * as HttpServer from "./HttpServer.js"
import * as Protection from "./Protection.js"
import * as RequestLog from "./RequestLog.js"

export const Role = Config.literal("all", "api", "worker")("HERALD_ROLE").pipe(
  Config.withDefault("all" as const),
  Config.withDescription("Which parts this process runs: all (API and delivery), api, or worker")
)

export const config = Config.all({
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

export type HeraldConfig = Config.Config.Success<typeof config>

export const hasRedis = (config: HeraldConfig) => Option.isSome(config.redisUrl)
