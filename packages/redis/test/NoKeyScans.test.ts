// Nothing in the adapters may walk the keyspace: every read goes through an
// index. This fails if a KEYS or SCAN command (or ioredis' scan helpers)
// appears in src.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"

const src = join(import.meta.dirname, "..", "src")

const files = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

const forbidden: ReadonlyArray<RegExp> = [
  /\.keys\s*\(/, // redis.keys(...)
  /\.[hsz]?scan(Stream|Buffer|BufferStream)?\s*\(/i, // redis.scan(...), scanStream, hscan, ...
  /["'`](KEYS|SCAN|HSCAN|SSCAN|ZSCAN)["'`]/i, // redis.call("KEYS", ...), Lua redis.call('SCAN', ...)
  /\bKEYS \*/ // a literal KEYS pattern
]

describe("Redis adapters", () => {
  it("never use KEYS or SCAN", () => {
    const sources = files(src)
    expect(sources.length).toBeGreaterThan(0)
    const offences = sources.flatMap((file) =>
      readFileSync(file, "utf8").split("\n").flatMap((line, n) =>
        forbidden.some((pattern) => pattern.test(line)) ? [`${file}:${n + 1}: ${line.trim()}`] : []
      )
    )
    expect(offences).toEqual([])
  })
})
