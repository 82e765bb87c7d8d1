/**
 * The operator's commands on PostgreSQL, as built (`apps/api/dist`): `migrate`
 * applies the schema once and then finds it up to date; the keys command keeps
 * keys in the database (`DATABASE_URL`), where an API on the same database
 * accepts them, and refuses a database whose schema was never applied, saying
 * so without repeating the URL's password.
 */
import { existsSync } from "node:fs"
import { PostgresDatabase, RedisServer } from "@herald/testkit"
import { describe, expect, it, onTestFinished } from "vitest"
import * as Processes from "./support/Processes.js"

const canRun = RedisServer.hasRedisServer() && PostgresDatabase.isAvailable() && Processes.builtAppsExist() &&
  existsSync(Processes.migrateMain)

/** A database of the test's own, dropped when it finishes. */
const ownDatabase = async () => {
  const database = await PostgresDatabase.createOwned()
  onTestFinished(() => database.drop())
  return database
}

describe.skipIf(!canRun)(`the migrate and keys commands on PostgreSQL ${PostgresDatabase.skipReason} (and built apps, redis-server)`, () => {
  it("migrate applies every migration once, then says the schema is up to date", async () => {
    const database = await ownDatabase()
    const first = await Processes.runCommand(Processes.migrateMain, { DATABASE_URL: database.url })
    expect(first.status).toBe(0)
    expect(first.stderr).toMatch(/^migrate: applied 1_webhooks, 2_api_keys, /)
    const again = await Processes.runCommand(Processes.migrateMain, { DATABASE_URL: database.url })
    expect([again.status, again.stderr.trim()]).toEqual([0, "migrate: the schema is up to date"])
  })

  it("migrate without DATABASE_URL names the variable", async () => {
    const result = await Processes.runCommand(Processes.migrateMain, {})
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("DATABASE_URL")
  })

  it("keys made on the database are accepted by an API on it; a database never migrated is refused", async () => {
    const database = await ownDatabase()
    const redis = await RedisServer.start()
    onTestFinished(() => redis.close())
    const env = { DATABASE_URL: database.url }

    const unmigrated = await Processes.runCommand(Processes.adminMain, env, ["list", "--teamspace", "acme"])
    expect(unmigrated.status).toBe(1)
    expect(unmigrated.stderr).toContain("lacks the migrations 1_webhooks")

    expect((await Processes.runCommand(Processes.migrateMain, env)).status).toBe(0)
    const created = await Processes.runCommand(Processes.adminMain, env, ["create", "--teamspace", "acme", "--scopes", "all"])
    expect(created.status).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^\S{16,}$/)
    const listed = await Processes.runCommand(Processes.adminMain, env, ["list", "--teamspace", "acme"])
    expect(listed.stdout).not.toContain(key)

    const api = await Processes.startApi(
      { redisUrl: redis.url, databaseUrl: database.url, tag: Processes.uniqueTag(), retrySchedule: "0s" },
      { apiKey: "seeded-key-0123456789abcdef", teamspace: "other" }
    )
    onTestFinished(() => api.stop())
    const response = await fetch(`${api.url}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } })
    expect(response.status).toBe(200)
    // Five processes started one after the other: on a loaded machine 30 s were not always enough.
  }, 90_000)
})
