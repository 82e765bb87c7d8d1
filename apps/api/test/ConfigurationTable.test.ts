/**
 * README's configuration table is the one full list of Herald's environment
 * variables: this test reads every configuration a process reads (the app's,
 * for each role, and the Redis and BullMQ adapters' that `Ports.redis`
 * builds) through a provider that records each name asked for, and checks
 * that the table lists exactly those names. A variable added to the code but
 * not to README, or left in README after the code stopped reading it, fails.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as BullMQ from "@herald/bullmq"
import * as Redis from "@herald/redis"
import { type Config, ConfigProvider, Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as AppConfig from "../src/Config.js"

const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8")

/** The names in the first column of the table under `## Configuration`. */
const tableNames = (): ReadonlySet<string> => {
  const section = readme.slice(readme.indexOf("\n## Configuration\n"))
  const end = section.indexOf("\n## ", 1)
  const rows = (end === -1 ? section : section.slice(0, end)).split("\n").filter((line) => line.startsWith("| `"))
  return new Set(rows.map((row) => /^\| `([A-Z0-9_]+)`/.exec(row)?.[1]).filter((name) => name !== undefined))
}

/** Runs `read` with `env` and returns every variable name it asked for, whether set or not. */
const namesRead = (read: Effect.Effect<unknown, unknown>, env: Record<string, string>): ReadonlySet<string> => {
  const names = new Set<string>()
  const inner = ConfigProvider.fromMap(new Map(Object.entries(env))).flattened
  const recording = ConfigProvider.fromFlat(ConfigProvider.makeFlat({
    load: (path, primitive, split) => {
      names.add(path.join("."))
      return inner.load(path, primitive, split)
    },
    enumerateChildren: (path) => inner.enumerateChildren(path),
    patch: inner.patch
  }))
  Effect.runSync(Effect.either(Effect.withConfigProvider(read, recording)))
  return names
}

const configs = (env: Record<string, string>): ReadonlySet<string> => {
  const redis = { REDIS_URL: "redis://127.0.0.1:6379/0", ...env }
  const all = [
    namesRead(AppConfig.config, { ...redis, HERALD_ROLE: "all" }),
    namesRead(AppConfig.config, { ...redis, HERALD_ROLE: "worker" }),
    namesRead(Redis.RedisClient.config as Config.Config<unknown>, redis),
    namesRead(Redis.Retention.config as Config.Config<unknown>, redis),
    namesRead(BullMQ.BullMQDeliveryQueue.config as Config.Config<unknown>, redis)
  ]
  return new Set(all.flatMap((names) => [...names]))
}

describe("README's configuration table", () => {
  it("lists every variable a process reads, and nothing else", () => {
    const read = configs({})
    const listed = tableNames()
    expect(listed.size).toBeGreaterThanOrEqual(30)
    expect([...read].filter((name) => !listed.has(name)).sort(), "read by the code, missing from README").toEqual([])
    expect([...listed].filter((name) => !read.has(name)).sort(), "in README, read by no code").toEqual([])
  })

  it("the recorder sees a name only if the code asks for it", () => {
    expect(namesRead(AppConfig.Role, {})).toEqual(new Set(["HERALD_ROLE"]))
  })
})
