/**
 * The API key admin command's logic, on the memory store and on Redis: create
 * prints the key once (alone on stdout), list and revoke name keys by id, and
 * command-line mistakes print the usage. The built `dist/admin.js` is run
 * against API processes in the system tests (tests/system, ApiProtection).
 */
import { ApiKeys, type ApiKeyStore, type Ids } from "@herald/core"
import { MemoryApiKeyStore } from "@herald/memory"
import { RedisApiKeyStore, RedisClient } from "@herald/redis"
import { RedisServer } from "@herald/testkit"
import { Console, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ApiKeyAdmin as Admin, ApiKeySeed } from "@herald/runtime"

/** A console that keeps what is written to stdout (`log`) and stderr (`error`). */
const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const console = {
    [Console.TypeId]: Console.TypeId,
    log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(args.join(" "))),
    error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(args.join(" ")))
  } as unknown as Console.Console
  return { console, out, err }
}

const backends = ["memory", ...(RedisServer.hasRedisServer() || process.env["REDIS_URL"] ? ["redis" as const] : [])] as const

describe.each(backends)("keys admin on %s", (backend) => {
  let runtime: ManagedRuntime.ManagedRuntime<ApiKeys.ApiKeys | ApiKeyStore.ApiKeyStore, unknown>
  let redis: RedisServer.RedisInstance | undefined

  beforeAll(async () => {
    let store: Layer.Layer<ApiKeyStore.ApiKeyStore, unknown> = MemoryApiKeyStore.layer
    if (backend === "redis") {
      redis = await RedisServer.start()
      store = RedisApiKeyStore.layer.pipe(Layer.provide(RedisClient.layer({ url: redis.url, prefix: redis.prefix })))
    }
    runtime = ManagedRuntime.make(ApiKeys.ApiKeys.Default.pipe(Layer.provideMerge(store)))
  })
  afterAll(async () => {
    await runtime.dispose()
    await redis?.close()
  })

  const run = async (...args: ReadonlyArray<string>) => {
    const { console, err, out } = capture()
    const status = await runtime.runPromise(Admin.report(Admin.run(args)).pipe(Effect.withConsole(console)))
    return { status, out, err: err.join("\n") }
  }
  const acme = "acme" as Ids.TeamspaceId

  it("create prints the new key alone on stdout, once; it authenticates with the scopes asked for", async () => {
    const created = await run("create", "--teamspace", "acme", "--scopes", "read,events:publish", "--label", "ci")
    expect(created.status).toBe(0)
    expect(created.out).toHaveLength(1)
    const key = created.out[0]!
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/)
    const id = ApiKeys.hashKey(key).slice(0, 12)
    expect(created.err).toContain(`Created API key ${id} for teamspace "acme" with scopes read, events:publish (label "ci")`)
    expect(created.err).not.toContain(key)

    const found = await runtime.runPromise(Effect.flatMap(ApiKeys.ApiKeys, (keys) => keys.authenticate(Redacted.make(key))))
    expect({ teamspace: found.teamspace, scopes: found.scopes, label: found.label }).toEqual({
      teamspace: "acme",
      scopes: ["read", "events:publish"],
      label: "ci"
    })

    const listed = await run("list", "--teamspace", "acme")
    expect(listed.status).toBe(0)
    const row = listed.out.find((line) => line.startsWith(id))
    expect(row).toMatch(new RegExp(`^${id}  read,events:publish\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  ci$`))
    expect(listed.out.join("\n")).not.toContain(key)
  })

  it("--scopes all gives every scope; list shows the teamspace's keys and no others", async () => {
    const first = await run("create", "--teamspace=listing", "--scopes=all")
    const second = await run("create", "--teamspace", "listing", "--scopes", "webhooks:write")
    await run("create", "--teamspace", "elsewhere", "--scopes", "read")
    const ids = [first, second].map((created) => ApiKeys.hashKey(created.out[0]!).slice(0, 12))
    const listed = await run("list", "--teamspace", "listing")
    expect(listed.out[0]).toMatch(/^id\s+scopes\s+created\s+label$/)
    // Oldest first; keys made in the same millisecond by id.
    expect(listed.out.slice(1).map((line) => line.slice(0, 12)).sort()).toEqual([...ids].sort())
    expect(listed.out.find((line) => line.startsWith(ids[0]!))).toContain("webhooks:write,events:publish,read")
  })

  it("revoke by id: the key stops authenticating at once; a second revoke is an error", async () => {
    const created = await run("create", "--teamspace", "acme", "--scopes", "read", "--label", "to revoke")
    const key = created.out[0]!
    const id = ApiKeys.hashKey(key).slice(0, 12)

    const revoked = await run("revoke", id)
    expect(revoked).toMatchObject({ status: 0, out: [] })
    expect(revoked.err).toBe(`Revoked API key ${id} of teamspace "acme" (label "to revoke").`)
    const after = await runtime.runPromise(
      Effect.flatMap(ApiKeys.ApiKeys, (keys) => Effect.either(keys.authenticate(Redacted.make(key))))
    )
    expect(after._tag).toBe("Left")
    const list = await runtime.runPromise(Effect.flatMap(ApiKeys.ApiKeys, (keys) => keys.list(acme)))
    expect(list.map((listed) => listed.id)).not.toContain(id)

    const again = await run("revoke", id)
    expect(again).toMatchObject({ status: 1, out: [], err: `keys: No API key has the id ${id}` })
  })

  it("the command an API on Redis prints at start, when it has no keys, works as printed", async () => {
    const logged: Array<string> = []
    const logger = Logger.make(({ message }) => void logged.push([message].flat().join(" ")))
    await runtime.runPromise(
      Effect.scoped(Layer.build(ApiKeySeed.layer([], { generate: false }))).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
    )
    const hint = logged.join("\n")
    const command = /`(npm run [^`]*)`/.exec(hint)?.[1]
    expect(command, hint).toBeDefined()
    const [npm, args] = command!.split(" -- ")
    // -s: without it npm prints its own banner on stdout, into `KEY=$(...)`.
    expect(npm).toBe("npm run -s keys -w @herald/api")
    const created = await run(...args!.split(/\s+/))
    expect({ status: created.status, err: created.err }).toMatchObject({ status: 0 })
    expect(created.out).toHaveLength(1)
    const found = await runtime.runPromise(
      Effect.flatMap(ApiKeys.ApiKeys, (keys) => keys.authenticate(Redacted.make(created.out[0]!)))
    )
    expect(found.scopes).toEqual(ApiKeys.allScopes)
  })

  it("a missing --teamspace or --scopes says what to add", async () => {
    const noTeamspace = await run("create")
    expect(noTeamspace.err).toContain("keys: --teamspace is required: the teamspace the key is bound to, e.g. --teamspace acme")
    const noScopes = await run("create", "--teamspace", "acme")
    expect(noScopes.err).toContain(
      `keys: --scopes is required: a comma list of ${ApiKeys.allScopes.join(", ")}, or all (e.g. --scopes all)`
    )
  })

  it("command-line mistakes exit with status 2 and the usage, creating nothing", async () => {
    for (
      const [args, message] of [
        [["create", "--teamspace", "mistakes"], "--scopes is required"],
        [["create", "--teamspace", "mistakes", "--scopes", "read,admin"], "--scopes: unknown scope \"admin\""],
        [["create", "--teamspace", "no spaces", "--scopes", "read"], "--teamspace: \"no spaces\" is not a teamspace"],
        [["create", "--scopes", "read"], "--teamspace is required"],
        [["create", "--teamspace", "mistakes", "--scopes", "read", "--owner", "me"], "unknown option --owner"],
        [["list"], "--teamspace is required"],
        [["revoke"], "revoke takes one key id"],
        [["revoke", "hk_not_an_id"], "\"hk_not_an_id\" is not a key id"],
        [["rotate", "abc"], "unknown command \"rotate\""]
      ] as const
    ) {
      const result = await run(...args)
      expect({ args, status: result.status, out: result.out }).toEqual({ args, status: 2, out: [] })
      expect(result.err).toContain(`keys: ${message}`)
      expect(result.err).toContain("Usage:")
    }
    const after = await runtime.runPromise(Effect.flatMap(ApiKeys.ApiKeys, (keys) => keys.list("mistakes" as Ids.TeamspaceId)))
    expect(after).toEqual([])
  })
})
