/**
 * PostgreSQL for the PG + Redis variants of the scenarios: the machine's server
 * (`postgres://postgres@127.0.0.1:5432`, or `HERALD_TEST_POSTGRES_URL`), one
 * private database per scenario (testkit's `PostgresDatabase.createOwned`, a
 * unique name, dropped afterwards), and the measurements the scenarios take from
 * it. The bench never touches a database it did not create.
 *
 * Queries go through `psql`, as testkit's helper does, so the bench needs no
 * driver; none of them runs inside a measured window except the cheap reads
 * that open and close one (an LSN, a list of backends).
 *
 * The server is shared with whatever else runs on the machine: its WAL position
 * and its background processes move with every database on it. WAL figures are
 * therefore taken from the WAL itself where `pg_waldump` can read it (the records
 * of this database's transactions only), and the server-wide LSN difference is
 * kept beside them; CPU is that of this database's backends only.
 */
import { execFile, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { promisify } from "node:util"
import { PostgresDatabase } from "@herald/testkit"
import { cpuSeconds } from "./Proc.js"

const run = promisify(execFile)

/** The server, once checked: what it is, or why the PG + Redis variants are skipped. */
export type Server =
  | { readonly available: true; readonly version: string; readonly dataDirectory: string | undefined }
  | { readonly available: false; readonly reason: string }

const psql = async (url: string, sql: string): Promise<Array<Array<string>>> => {
  const { stdout } = await run("psql", [url, "-AtqX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], { maxBuffer: 64 * 1024 * 1024 })
  return stdout.split("\n").filter((line) => line !== "").map((line) => line.split("\t"))
}

/** Whether the server answers through `psql`, and its version; `BENCH_POSTGRES=0` turns the variants off. */
export const check = async (): Promise<Server> => {
  if (process.env["BENCH_POSTGRES"] === "0") return { available: false, reason: "BENCH_POSTGRES=0" }
  if (!PostgresDatabase.isAvailable()) return { available: false, reason: `no PostgreSQL ${PostgresDatabase.skipReason}` }
  const [[version = "unknown", dataDirectory = ""] = []] = await psql(
    PostgresDatabase.serverUrl(),
    "SELECT current_setting('server_version'), current_setting('data_directory', true)"
  ).catch(() => [[]])
  return { available: true, version, dataDirectory: dataDirectory === "" ? undefined : dataDirectory }
}

/** A database the bench created for one scenario, and what it measures there. */
export interface PrivateDatabase {
  readonly name: string
  readonly url: string
  /** Rows of a query's result, as text. */
  readonly query: (sql: string) => Promise<Array<Array<string>>>
  readonly drop: () => Promise<void>
}

export const createDatabase = async (): Promise<PrivateDatabase> => {
  const owned = await PostgresDatabase.createOwned()
  return { name: owned.name, url: owned.url, query: (sql) => psql(owned.url, sql), drop: owned.drop }
}

/** The server's WAL write position (`pg_current_wal_lsn()`), and in bytes since 0/0. */
export const walPosition = async (database: PrivateDatabase): Promise<{ readonly lsn: string; readonly bytes: number }> => {
  const [[lsn = "", bytes = "NaN"] = []] = await database.query("SELECT pg_current_wal_lsn(), pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
  return { lsn, bytes: Number(bytes) }
}

/** Bytes of a table with its indexes and TOAST, every partition included (pg_partition_tree lists a plain table as its own leaf). */
export const tableBytes = async (database: PrivateDatabase, table: string): Promise<number> => {
  const [[bytes = "NaN"] = []] = await database.query(
    `SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('${table}')`
  )
  return Number(bytes)
}

export const rowCount = async (database: PrivateDatabase, table: string): Promise<number> => {
  const [[count = "NaN"] = []] = await database.query(`SELECT count(*) FROM ${table}`)
  return Number(count)
}

/**
 * Rows inserted, updated (HOT ones apart) and deleted per table since the
 * database was created, partitions counted under their parent's name, and the
 * database's commits. Backends report their counts within a second or so of
 * going idle, so read this a couple of seconds after the load stops.
 */
export const writeCounts = async (database: PrivateDatabase): Promise<Map<string, { ins: number; upd: number; hot: number; del: number }>> => {
  const rows = await database.query(`
    SELECT coalesce(parent.relname, s.relname), sum(s.n_tup_ins), sum(s.n_tup_upd), sum(s.n_tup_hot_upd), sum(s.n_tup_del)
    FROM pg_stat_user_tables s
    LEFT JOIN pg_inherits i ON i.inhrelid = s.relid
    LEFT JOIN pg_class parent ON parent.oid = i.inhparent
    GROUP BY 1
    UNION ALL
    SELECT '(commits)', xact_commit, 0, 0, 0 FROM pg_stat_database WHERE datname = current_database()`)
  const counts = new Map<string, { ins: number; upd: number; hot: number; del: number }>()
  for (const [name = "", ins = "0", upd = "0", hot = "0", del = "0"] of rows) {
    counts.set(name, { ins: Number(ins), upd: Number(upd), hot: Number(hot), del: Number(del) })
  }
  return counts
}

/** Per-operation differences of two `writeCounts`, tables with no writes left out. */
export const writesPer = (
  before: ReadonlyMap<string, { ins: number; upd: number; hot: number; del: number }>,
  after: ReadonlyMap<string, { ins: number; upd: number; hot: number; del: number }>,
  operations: number
): Record<string, Record<string, number>> => {
  const per = (value: number) => Math.round((value / operations) * 100) / 100
  const result: Record<string, Record<string, number>> = {}
  for (const [name, counts] of after) {
    const earlier = before.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0 }
    const diff = { ins: counts.ins - earlier.ins, upd: counts.upd - earlier.upd, hot: counts.hot - earlier.hot, del: counts.del - earlier.del }
    if (diff.ins + diff.upd + diff.del === 0) continue
    result[name] = name === "(commits)" ? { commits: per(diff.ins) } : { ins: per(diff.ins), upd: per(diff.upd), hotUpd: per(diff.hot), del: per(diff.del) }
  }
  return result
}

/** The server processes serving this database's connections (Herald's pools). */
const backendPids = async (database: PrivateDatabase): Promise<Array<number>> =>
  (await database.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    .map(([pid]) => Number(pid))

/**
 * CPU seconds used by this database's backends over a window: the backends at
 * its start, and any opened during it (from zero). A backend that exits within
 * the window takes its time with it (Herald's pools keep theirs open). The
 * server's shared processes (WAL writer, checkpointer, autovacuum) are left out:
 * other databases use them too.
 */
export const backendCpuMeter = async (database: PrivateDatabase): Promise<() => Promise<number>> => {
  const before = new Map((await backendPids(database)).map((pid) => [pid, cpuSeconds(pid)]))
  return async () => {
    let total = 0
    for (const pid of await backendPids(database)) {
      const now = cpuSeconds(pid)
      if (!Number.isNaN(now)) total += now - (before.get(pid) ?? 0)
    }
    return total
  }
}

/**
 * WAL written between two positions for this database's transactions alone,
 * read with `pg_waldump` (the records that touch one of its relations, and the
 * commit records of their transactions), by resource manager; where the WAL
 * cannot be read (not root, another machine's server, no `pg_waldump`, segments
 * already recycled after a checkpoint), why not.
 * Other databases' writes in the same window are then not counted, which the
 * server-wide LSN difference cannot tell apart.
 */
export const walOfDatabase = async (
  database: PrivateDatabase,
  server: Server,
  from: string,
  to: string
): Promise<WalOfDatabase | string> => {
  if (!server.available || server.dataDirectory === undefined) return "the server's data directory is unknown"
  const walDir = join(server.dataDirectory, "pg_wal")
  if (!existsSync(walDir)) return `${walDir} cannot be read here`
  const [[oid = ""] = []] = await database.query("SELECT oid FROM pg_database WHERE datname = current_database()")
  const [[bin = ""] = []] = await database.query("SELECT setting FROM pg_config() WHERE name = 'BINDIR'").catch(() => [[]])
  const waldump = bin !== "" && existsSync(join(bin, "pg_waldump")) ? join(bin, "pg_waldump") : "pg_waldump"
  const relation = ` rel \\d+/${oid}/\\d+`
  const ours = new Set<string>()
  const result = { bytes: 0, fullPageImageBytes: 0, records: 0, byResourceManager: {} as Record<string, number> }
  const count = (rmgr: string, total: number, fpi: number) => {
    result.bytes += total
    result.fullPageImageBytes += fpi
    result.records += 1
    result.byResourceManager[rmgr] = (result.byResourceManager[rmgr] ?? 0) + total
  }
  const mine = new RegExp(relation)
  // Streamed: a large run's dump is hundreds of megabytes of text.
  const child = spawn(waldump, ["--path", walDir, "--start", from, "--end", to], { stdio: ["ignore", "pipe", "pipe"] })
  let errors = ""
  child.stderr.on("data", (chunk: Buffer) => {
    if (errors.length < 2_000) errors += chunk.toString()
  })
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const match = /^rmgr: (\S+)\s+len \(rec\/tot\):\s*(\d+)\/\s*(\d+), tx:\s*(\d+),/.exec(line)
    if (match === null) continue
    const [, rmgr = "", rec = "0", tot = "0", tx = "0"] = match
    const total = Number(tot)
    if (mine.test(line)) {
      if (tx !== "0") ours.add(tx)
      count(rmgr, total, total - Number(rec))
    } else if (rmgr === "Transaction" && ours.has(tx) && / (COMMIT|ABORT) /.test(line)) {
      // A transaction's records come before its commit record.
      ours.delete(tx)
      count(rmgr, total, 0)
    }
  }
  // pg_waldump exits non-zero when its end is the last record written so far; what it printed is whole all the same.
  await new Promise((resolve) => child.once("close", resolve))
  return result.records === 0 ? `pg_waldump found none of its records: ${errors.trim().slice(0, 500)}` : result
}

/** What `walOfDatabase` found: bytes (full-page images included), of which full-page images, and by resource manager (Heap, Btree, Transaction...). */
export interface WalOfDatabase {
  readonly bytes: number
  readonly fullPageImageBytes: number
  readonly records: number
  readonly byResourceManager: Record<string, number>
}

/** What a measured window cost PostgreSQL, per operation (an event, or a delivery). */
export interface WindowFigures {
  /** CPU of this database's backends, ms. */
  readonly backendCpuMs: number
  /** The server's WAL position moved by this much, whoever wrote it. */
  readonly serverWalBytes: number
  /** WAL of this database's transactions (undefined where the WAL cannot be read). */
  readonly walBytes: number | undefined
  readonly walFullPageImageBytes: number | undefined
  readonly walByResourceManager: Record<string, number> | undefined
  /** Why the WAL could not be read, when it could not. */
  readonly walUnreadable?: string
  /** Rows inserted, updated and deleted by table, and the database's commits. */
  readonly writes: Record<string, Record<string, number>>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Backends report their row counts once idle for a moment (at most once a second): give them that before reading. */
const STATS_FLUSH_MS = 1_500

/**
 * Starts measuring what PostgreSQL does for the load that follows: call it once
 * the warm-up is over (it waits for the warm-up's statistics to be reported
 * first), and the function it returns when the load is done, with the number of
 * operations to divide by.
 */
export const windowMeter = async (
  database: PrivateDatabase,
  server: Server
): Promise<(operations: number) => Promise<WindowFigures>> => {
  await sleep(STATS_FLUSH_MS)
  const countsBefore = await writeCounts(database)
  const walBefore = await walPosition(database)
  const cpu = await backendCpuMeter(database)
  return async (operations) => {
    const cpuSeconds = await cpu()
    const walAfter = await walPosition(database)
    await sleep(STATS_FLUSH_MS)
    const countsAfter = await writeCounts(database)
    const read = await walOfDatabase(database, server, walBefore.lsn, walAfter.lsn)
    const ours = typeof read === "string" ? undefined : read
    const per = (value: number) => value / operations
    return {
      backendCpuMs: per(cpuSeconds * 1000),
      serverWalBytes: per(walAfter.bytes - walBefore.bytes),
      walBytes: ours === undefined ? undefined : per(ours.bytes),
      walFullPageImageBytes: ours === undefined ? undefined : per(ours.fullPageImageBytes),
      walByResourceManager: ours === undefined
        ? undefined
        : Object.fromEntries(Object.entries(ours.byResourceManager).sort((a, b) => b[1] - a[1]).map(([name, bytes]) => [name, Math.round(per(bytes))])),
      writes: writesPer(countsBefore, countsAfter, operations),
      ...(typeof read === "string" ? { walUnreadable: read } : {})
    }
  }
}
