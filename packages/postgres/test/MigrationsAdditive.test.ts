// Migrations only add (docs/postgres.md, "Migrations are additive"): a process of the previous
// version keeps working on a schema one step ahead. This reads the migrations' source and fails on
// any DROP or TRUNCATE in it, code or SQL; only comments are left out.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Migrations } from "@herald/postgres"

const source = readFileSync(new URL("../src/Migrations.ts", import.meta.url), "utf8")

/** `text` without its `/* *\/` and `//` comments (the migrations' SQL holds no `//`). */
const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "")

/** The destructive words in `code`, in order. */
const destructive = (code: string): ReadonlyArray<string> =>
  [...withoutComments(code).matchAll(/\b(DROP|TRUNCATE)\b/gi)].map((match) => match[0].toUpperCase())

/** The `migrations` record's text, and everything above it: every migration and what it uses. */
const recordStart = source.indexOf("export const migrations")
const recordEnd = source.indexOf("\n}\n", recordStart)
const record = source.slice(recordStart, recordEnd)

describe("Migrations", () => {
  it("the record read from the source is the package's", () => {
    expect(recordStart).toBeGreaterThan(0)
    const keys = [...record.matchAll(/"(\d+_\w+)"\s*:/g)].map((match) => match[1])
    expect(keys).toEqual(Object.keys(Migrations.migrations))
  })

  it("each migration is defined above the record", () => {
    for (const [, value] of record.matchAll(/"\d+_\w+"\s*:\s*([A-Za-z_$][\w$]*)\s*[,\n]/g)) {
      expect(source.slice(0, recordStart), `migration ${value}`).toMatch(new RegExp(`\\bconst ${value} = `))
    }
  })

  it("no migration drops or truncates anything", () => {
    expect(destructive(source.slice(0, recordEnd))).toEqual([])
  })

  it("the check sees a DROP or TRUNCATE in code and SQL, whatever its case, but not in comments", () => {
    expect(destructive("yield* sql`ALTER TABLE herald_x drop COLUMN y`\n")).toEqual(["DROP"])
    expect(destructive("yield* sql`TRUNCATE herald_x`")).toEqual(["TRUNCATE"])
    expect(destructive("// never DROP\n/** nor truncate */ yield* sql`CREATE TABLE herald_x ()`")).toEqual([])
    expect(destructive("yield* sql`CREATE TABLE herald_dropped_rows ()`")).toEqual([])
  })
})
