/**
 * `npm run bench`: every scenario in one run on a private Redis, Herald beside
 * its baselines; prints a table, writes results.json, results.md and chart.svg.
 * The end-to-end, batch, latency, memory and metrics scenarios run a second time on PostgreSQL +
 * Redis, right after their Redis-only run, where the machine has PostgreSQL.
 * See BENCHMARKS.md for what each figure means, and `Config` for the knobs.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Chart from "./Chart.js"
import * as Config from "./Config.js"
import * as Herald from "./Herald.js"
import * as Machine from "./Machine.js"
import * as Postgres from "./Postgres.js"
import * as Receiver from "./Receiver.js"
import * as Redis from "./Redis.js"
import { markdownLines, type Row, tableLines } from "./Report.js"
import * as ResultsChart from "./ResultsChart.js"
import * as baselines from "./scenarios/baselines.js"
import * as batch from "./scenarios/batch.js"
import { type Backend, type Context, onBackend, type ScenarioResult } from "./scenarios/Context.js"
import * as fanout from "./scenarios/fanout.js"
import * as latency from "./scenarios/latency.js"
import * as memory from "./scenarios/memory.js"
import * as metrics from "./scenarios/metrics.js"
import * as publish from "./scenarios/publish.js"
import * as throughput from "./scenarios/throughput.js"

const out = (line = "") => process.stdout.write(`${line}\n`)

/**
 * The scenarios in order, and the backends each runs on. A PG + Redis variant
 * runs right after the Redis-only one, so that the two are measured minutes
 * apart and its rows can be set against the Redis-only figures.
 */
const scenarios: ReadonlyArray<readonly [Config.ScenarioName, (context: Context) => Promise<ScenarioResult>, ReadonlyArray<Backend>]> = [
  // Baselines first: the scenarios after them compare against their figures.
  ["baselines", baselines.run, ["redis"]],
  ["throughput", throughput.run, ["redis", "postgres"]],
  ["batch", batch.run, ["redis", "postgres"]],
  ["latency", latency.run, ["redis", "postgres"]],
  ["publish", publish.run, ["redis"]],
  ["fanout", fanout.run, ["redis"]],
  ["memory", memory.run, ["redis", "postgres"]],
  ["metrics", metrics.run, ["redis", "postgres"]]
]

const main = async (): Promise<number> => {
  const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
  const quickOut = join(repoRoot, "bench", "results")
  const fullOut = join(repoRoot, "docs", "bench")
  // A quick run is for development: it does not overwrite the published results.
  const config = Config.load(process.env["BENCH_QUICK"] === "1" ? quickOut : fullOut)
  for (const main of [Herald.apiMain, Herald.workerMain]) {
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run bench" from the repository root (it builds first)`)
  }
  const logDir = mkdtempSync(join(os.tmpdir(), "herald-bench-"))
  const cpuProfileDir = config.cpuProfileDir === undefined ? undefined : resolve(config.cpuProfileDir)
  if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true })
  const effective = { ...config, cpuProfileDir }

  const redis = await Redis.start({ appendOnly: process.env["BENCH_AOF"] === "1" })
  const postgres = await Postgres.check()
  const machine = Machine.describe(redis.version, postgres.available ? postgres.version : undefined)
  out(`Herald bench${config.quick ? " (quick)" : ""}: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, redis ${machine.redis}`)
  out(
    postgres.available
      ? `PostgreSQL ${postgres.version}: the end-to-end, batch, latency, memory and metrics scenarios also run on PG + Redis (a database of their own each)`
      : `PG + Redis variants skipped: ${postgres.reason}`
  )
  out(`load average at start: ${machine.loadAverageAtStart.join(" ")}; child logs in ${logDir}`)
  if (cpuProfileDir !== undefined) out(`CPU profiles of Herald's processes go to ${cpuProfileDir}`)

  const receiver = await Receiver.start(logDir)
  const startedAt = new Date()
  const rows: Array<Row> = []
  const details: Record<string, unknown> = {}
  const failures: Array<string> = []
  const context: Context = {
    config: effective,
    redis,
    receiver,
    logDir,
    log: (line) => out(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
    figures: new Map(),
    postgres,
    backend: "redis"
  }
  if (!postgres.available) details["postgres"] = { skipped: postgres.reason }
  try {
    for (const [scenario, run, backends] of scenarios) {
      if (!Config.runs(config, scenario)) continue
      for (const backend of backends) {
        if (backend === "postgres" && !postgres.available) continue
        const name = backend === "redis" ? scenario : `${scenario} (PG + Redis)`
        out(`- ${name}`)
        try {
          const result = await run(onBackend(context, backend))
          rows.push(...result.rows)
          details[backend === "redis" ? scenario : `${scenario}.postgres`] = result.details
        } catch (error) {
          // One broken scenario should not cost the figures of the others.
          const message = error instanceof Error ? error.stack ?? error.message : String(error)
          failures.push(`${name}: ${message}`)
          details[name] = { error: message }
          out(`  FAILED: ${message}`)
        }
      }
    }
  } finally {
    await receiver.child.stop(2_000)
    await redis.close()
  }

  out()
  for (const line of tableLines(rows)) out(line)
  const loadAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100)
  // The load average says how much else the machine was doing: on a shared machine, a lot.
  const subtitle = `${machine.cpus} CPUs, node ${machine.node}, redis ${machine.redis}${
    machine.postgres === undefined ? "" : `, PostgreSQL ${machine.postgres}`
  }; ${
    startedAt.toISOString().slice(0, 10)
  }; load average ${machine.loadAverageAtStart[0]} at start, ${loadAtEnd[0]} at end${config.quick ? "; quick run" : ""}`
  mkdirSync(config.outDir, { recursive: true })
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAtEnd: loadAtEnd },
    revision: Machine.revision(repoRoot),
    config: { ...config, only: [...config.only], cpuProfileDir: cpuProfileDir ?? null },
    rows,
    /** The chart's inputs, by key. */
    figures: Object.fromEntries(context.figures),
    scenarios: details,
    failures
  }
  writeFileSync(join(config.outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(config.outDir, "results.md"), `${markdownLines(rows).join("\n")}\n`)
  writeFileSync(join(config.outDir, "chart.svg"), Chart.render(ResultsChart.spec(context.figures, config, subtitle)))
  out()
  out(`results: ${join(config.outDir, "results.json")}, results.md, chart.svg; load average at end: ${loadAtEnd.join(" ")}`)
  if (failures.length > 0) out(`${failures.length} scenario(s) failed: ${failures.map((failure) => failure.split(":")[0]).join(", ")}`)
  return failures.length > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
