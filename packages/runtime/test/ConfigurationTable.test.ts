/**
 * README's configuration table is the one full list of Herald's environment
 * variables, and the Environment module the one place that reads them: this
 * test reads what each process reads there (each role of `npm start`, the
 * worker entry point, the keys and migrate commands; on Redis and on
 * PostgreSQL, so the Redis, BullMQ and database variables are read too) through a provider that records each name asked for,
 * and checks that the table lists exactly those names. A variable added to the
 * code but not to README, or left in README after the code stopped reading it,
 * fails; so does a module besides the Environment that names a variable.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ConfigProvider, Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Environment from "../src/Environment.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const readme = readFileSync(join(root, "README.md"), "utf8")

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
    ...(["all", "api", "worker"] as const).map((role) => namesRead(Environment.read(), { ...redis, HERALD_ROLE: role })),
    // `node apps/worker/dist/main.js`
    namesRead(Environment.read("worker"), redis),
    // on PostgreSQL beside Redis
    ...(["all", "api", "worker"] as const).map((role) =>
      namesRead(Environment.read(), { ...redis, DATABASE_URL: "postgres://127.0.0.1/herald", HERALD_ROLE: role })
    ),
    // `npm run keys`, on Redis and on PostgreSQL
    namesRead(Environment.keysCommand, redis),
    namesRead(Environment.keysCommand, { DATABASE_URL: "postgres://127.0.0.1/herald" }),
    // `npm run migrate`
    namesRead(Environment.migrateCommand, { DATABASE_URL: "postgres://127.0.0.1/herald" }),
    // every process, before the rest (`Launch.run`)
    namesRead(Environment.logging, {})
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
    expect(namesRead(Environment.role, {})).toEqual(new Set(["HERALD_ROLE"]))
  })

  it("no module but the Environment names a variable", () => {
    const sources = (dir: string): ReadonlyArray<string> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(join(dir, entry.name))
          : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
      )
    // The Environment names the variables; Variable holds the readers it names them with. The herald
    // command is a client of Herald, not one of its processes: its own two variables (HERALD_URL,
    // HERALD_API_KEY) are named in its Config module and nowhere else.
    const readers = new Set(
      ["../src/Environment.ts", "../src/Variable.ts", "../../cli/src/Config.ts"].map((path) => fileURLToPath(new URL(path, import.meta.url)))
    )
    // The test support (testkit) may look for a Redis of the developer's; no process runs it.
    const folders = ["packages", "apps"].flatMap((group) =>
      readdirSync(join(root, group)).filter((name) => name !== "testkit").map((name) => join(root, group, name, "src"))
    )
    // A variable read by a computed name (`Config.string(name)`) counts too.
    const naming =
      /\bConfig\.(?:string|nonEmptyString|redacted|secret|boolean|integer|number|port|url|duration|date|logLevel|array|chunk|hashSet|hashMap|literal)\(|process\.env\b/
    const offenders = folders.flatMap((folder) => {
      try {
        return sources(folder)
      } catch {
        return []
      }
    }).filter((file) => !readers.has(file) && naming.test(readFileSync(file, "utf8")))
    expect(offenders.map((file) => file.slice(root.length))).toEqual([])
  })
})
