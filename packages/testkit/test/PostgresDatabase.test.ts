import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { PostgresDatabase } from "@herald/testkit"

const exists = (name: string) =>
  execFileSync("psql", [PostgresDatabase.serverUrl(), "-Atqc", `SELECT count(*) FROM pg_database WHERE datname = '${name}'`], {
    encoding: "utf8"
  }).trim() === "1"

describe.skipIf(!PostgresDatabase.isAvailable())(`PostgresDatabase ${PostgresDatabase.skipReason}`, () => {
  it("createOwned makes a new database each time, reachable at its URL; drop removes it", async () => {
    const first = await PostgresDatabase.createOwned()
    const second = await PostgresDatabase.createOwned()
    try {
      expect(first.name).not.toBe(second.name)
      expect(first.name).toMatch(/^herald_test_[0-9a-f]{16}$/)
      expect(exists(first.name)).toBe(true)
      const current = execFileSync("psql", [first.url, "-Atqc", "SELECT current_database()"], { encoding: "utf8" })
      expect(current.trim()).toBe(first.name)
    } finally {
      await first.drop()
      await second.drop()
    }
    expect(exists(first.name)).toBe(false)
    expect(exists(second.name)).toBe(false)
  })
})
