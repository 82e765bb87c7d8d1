// Sums the vitest JSON reports of every workspace into one closing line,
// "tests: N passed, N failed, N skipped", so a CI log says what ran.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = JSON.parse(readFileSync("package.json", "utf8"))
// A workspace entry is a folder ("bench") or every folder under one ("packages/*").
const dirs = root.workspaces.flatMap((pattern) => {
  if (!pattern.endsWith("/*")) return [pattern]
  const base = pattern.slice(0, -2)
  return existsSync(base) ? readdirSync(base).map((name) => join(base, name)) : []
})

let passed = 0
let failed = 0
let skipped = 0
let reports = 0
for (const dir of dirs) {
  const file = join(dir, ".vitest-report.json")
  if (!existsSync(file)) continue
  const report = JSON.parse(readFileSync(file, "utf8"))
  reports++
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + (report.numTodoTests ?? 0)
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped (${reports} workspaces)`)
process.exit(failed > 0 || reports === 0 ? 1 : 0)
