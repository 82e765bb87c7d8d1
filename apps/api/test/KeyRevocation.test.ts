/**
 * A revoke reaches every API process within a second (README, "API keys and
 * scopes"), on the stores processes share: a key the API has just served, and
 * so has cached, is refused once the keys command (a process of its own, on
 * the API's variables) revokes it, or once another process calls
 * `ApiKeys.revoke`. Polled with a one-second limit, which is the promise.
 */
import { ApiKeys } from "@herald/core"
import { RedisApiKeyStore, RedisClient, RedisKeyRevocations } from "@herald/redis"
import { ApiKeyAdmin, Environment } from "@herald/runtime"
import { Fixtures } from "@herald/testkit"
import { ConfigProvider, Console, Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, type RunningApp, start } from "./support/Harness.js"

const shared = backends.filter((backend) => backend === "redis" || backend === "postgres")

/** Runs the keys command on the app's variables, as `npm run keys` would beside it; its stdout. */
const keysCommand = async (app: RunningApp, ...args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const console = {
    [Console.TypeId]: Console.TypeId,
    log: (...line: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(line.join(" "))),
    error: () => Effect.void
  } as unknown as Console.Console
  await Effect.runPromise(
    ApiKeyAdmin.command(args).pipe(Effect.withConsole(console), Effect.withConfigProvider(ConfigProvider.fromMap(new Map(app.env))))
  )
  return out
}

describe.skipIf(shared.length === 0).each(shared)("a revoke on %s", (backend) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await start({ backend })
  }, 60_000)
  afterAll(async () => {
    await app?.close()
  })

  const status = async (key: string) =>
    (await fetch(`${app.baseUrl}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } })).status

  /** A new key, made by the keys command, that the API has served (twice: the second from its cache). */
  const servedKey = async () => {
    const [key] = await keysCommand(app, "create", "--teamspace", "acme", "--scopes", "all")
    expect(await status(key!)).toBe(200)
    expect(await status(key!)).toBe(200)
    return key!
  }

  const refusedWithinASecond = (key: string) =>
    Effect.runPromise(
      Fixtures.eventually("the API to refuse the revoked key", Effect.promise(async () => (await status(key)) === 401), "1 second")
    )

  it("through the keys command is refused by the API within a second", async () => {
    const key = await servedKey()
    await keysCommand(app, "revoke", ApiKeys.hashKey(key).slice(0, 12))
    await refusedWithinASecond(key)
  })

  // The other process is composed on Redis stores, so this one is registered on Redis only (not
  // skipped elsewhere): on PostgreSQL the keys command above is the other process.
  if (backend === "redis") it("through ApiKeys.revoke in another process is refused by the API within a second", async () => {
    const key = await servedKey()
    const settings = Effect.runSync(
      Environment.redis.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(app.env))))
    )
    const otherProcess = ApiKeys.ApiKeys.Default.pipe(
      Layer.provide(Layer.merge(RedisApiKeyStore.layer, RedisKeyRevocations.layer)),
      Layer.provide(RedisClient.layer(settings.client))
    )
    await Effect.runPromise(
      Effect.flatMap(ApiKeys.ApiKeys, (apiKeys) => apiKeys.revoke(Redacted.make(key))).pipe(Effect.provide(otherProcess))
    )
    await refusedWithinASecond(key)
  })
})
