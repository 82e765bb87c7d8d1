/**
 * Redis round trips per event, by process and connection: starts Herald (API +
 * worker) on a private Redis, publishes at a low fixed rate, and records a few
 * seconds of `MONITOR`. Commands a script runs inside Redis are counted apart
 * ("inside scripts"): they cost Redis CPU, not a network round trip.
 *
 *   node bench/dist/tools/roundTrips.js [rate=100] [seconds=2] [postgres]
 *
 * With `postgres`, Herald runs on PostgreSQL + Redis (a database the tool
 * creates and drops), and PostgreSQL's statements per event are counted too, as
 * the database's transactions (`pg_stat_database.xact_commit`): the publish and
 * delivery paths open no transaction, so each statement is one transaction and
 * one round trip.
 *
 * Connections are attributed to processes through /proc (the socket inode of
 * each file descriptor, matched with the local port in /proc/net/tcp).
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Herald from "../Herald.js"
import * as Postgres from "../Postgres.js"
import { publisher } from "../Publisher.js"
import * as Receiver from "../Receiver.js"
import * as Redis from "../Redis.js"

/** Local TCP port -> pid, for the given pids' sockets. */
const portsOf = (pids: Readonly<Record<string, number>>): Map<number, string> => {
  const inodes = new Map<string, string>()
  for (const [name, pid] of Object.entries(pids)) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (match !== null) inodes.set(match[1]!, name)
      } catch {
        // Closed meanwhile.
      }
    }
  }
  const ports = new Map<number, string>()
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      const local = fields[1]
      const inode = fields[9]
      if (local === undefined || inode === undefined) continue
      const owner = inodes.get(inode)
      if (owner !== undefined) ports.set(parseInt(local.split(":")[1]!, 16), owner)
    }
  }
  return ports
}

const main = async () => {
  const rate = Number(process.argv[2] ?? 100)
  const seconds = Number(process.argv[3] ?? 2)
  const onPostgres = process.argv[4] === "postgres"
  const logDir = mkdtempSync(join(tmpdir(), "herald-roundtrips-"))
  const redis = await Redis.start()
  const receiver = await Receiver.start(logDir)
  const server = onPostgres ? await Postgres.check() : undefined
  if (server !== undefined && !server.available) throw new Error(`postgres: ${server.reason}`)
  const database = onPostgres ? await Postgres.createDatabase() : undefined
  const options = { redisUrl: redis.url, databaseUrl: database?.url, logDir, concurrency: 50 }
  const api = await Herald.startApi(options)
  const worker = await Herald.startWorker(options)
  const client = Herald.client(api.url)
  const load = publisher(api.url, 8)
  const monitor = await redis.connect().monitor()
  try {
    const webhook = await client.createWebhook(receiver.url("round-trips"))
    receiver.reset(webhook.secret)
    // Warm-up, so that connections and scripts exist before counting.
    const warm = await load.openLoop(rate, 1)
    await receiver.waitFor(warm.sent, 30_000)
    const owners = portsOf({ api: api.child.pid, worker: worker.pid })
    const counts = new Map<string, number>()
    let inside = 0
    monitor.on("monitor", (_time: string, args: ReadonlyArray<string>, source: string) => {
      if (source === "lua") {
        inside++
        return
      }
      const port = Number(source.slice(source.lastIndexOf(":") + 1))
      const key = `${owners.get(port) ?? "other"} ${source} ${String(args[0]).toLowerCase()}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    })
    const pgMeter = database === undefined || server === undefined ? undefined : await Postgres.windowMeter(database, server)
    const run = await load.openLoop(rate, seconds, warm.sent)
    await receiver.waitFor(run.sent, 60_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const pg = pgMeter === undefined ? undefined : await pgMeter(run.sent)
    const per = (n: number) => (n / run.sent).toFixed(2).padStart(6)
    const lines = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${per(n)}  ${key}`)
    const byProcess = new Map<string, number>()
    for (const [key, n] of counts) byProcess.set(key.split(" ")[0]!, (byProcess.get(key.split(" ")[0]!) ?? 0) + n)
    process.stdout.write([
      `${run.sent} events at ${rate}/s; Redis commands per event, by process, connection and command:`,
      ...lines,
      "",
      ...[...byProcess.entries()].map(([name, n]) => `${per(n)}  round trips per event from ${name}`),
      `${per(inside)}  commands inside scripts per event`,
      ...(pg === undefined ? [] : [
        `${(pg.writes["(commits)"]?.["commits"] ?? Number.NaN).toFixed(2).padStart(6)}  PostgreSQL statements (autocommit transactions) per event, API and worker together`,
        `rows written per event, by table: ${JSON.stringify(Object.fromEntries(Object.entries(pg.writes).filter(([name]) => name !== "(commits)")))}`
      ]),
      ""
    ].join("\n"))
  } finally {
    monitor.disconnect()
    await load.close()
    await client.close()
    await Promise.all([api.child.stop(), worker.stop()])
    await receiver.child.stop()
    await redis.close()
    await database?.drop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
