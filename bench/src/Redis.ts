/**
 * The bench's private redis-server (testkit's `RedisServer.startOwned`: a free
 * loopback port, its own temporary directory, removed afterwards), with the
 * settings a benchmark wants, a client for the bench's own commands, and the
 * measurements the scenarios take from it. It never touches a Redis it did not
 * start (the shared one on 6379 included), so `FLUSHALL` between scenarios is safe.
 */
import { RedisServer } from "@herald/testkit"
import { Redis as IORedis } from "ioredis"

export interface PrivateRedis {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** A command connection for the bench's own use (INFO, SCAN, FLUSHALL, stream reads need their own). */
  readonly client: IORedis
  /** A new connection; the caller closes it. */
  readonly connect: () => IORedis
  readonly version: string
  readonly close: () => Promise<void>
}

export const start = async (options: { readonly appendOnly?: boolean } = {}): Promise<PrivateRedis> => {
  const server = await RedisServer.startOwned({
    // AOF off by default, on with BENCH_AOF=1 (`everysec`, the production advice in the README).
    // RDB snapshots stay off either way: a fork in the middle of a measurement would distort it.
    appendOnly: options.appendOnly === true,
    appendFsync: "everysec",
    // What BullMQ requires in production; the bench never comes near a limit anyway.
    args: ["--maxmemory-policy", "noeviction"]
  })
  const connect = () => new IORedis({ host: server.host, port: server.port, lazyConnect: false, maxRetriesPerRequest: 3 })
  const client = connect()
  try {
    await client.ping()
  } catch (error) {
    client.disconnect()
    await server.close()
    throw error
  }
  return {
    url: server.url,
    port: server.port,
    pid: server.pid() ?? -1,
    client,
    connect,
    version: RedisServer.version(),
    close: async () => {
      client.disconnect()
      await server.close()
    }
  }
}

/** `used_memory` from INFO memory, in bytes. */
export const usedMemory = async (client: IORedis): Promise<number> => {
  const info = await client.info("memory")
  const match = /^used_memory:(\d+)/m.exec(info)
  if (match === null) throw new Error("INFO memory has no used_memory")
  return Number(match[1])
}

/**
 * Bytes held by every key, grouped by `family(key)`: SCAN plus `MEMORY USAGE`
 * (SAMPLES 0: every element counted, exact rather than estimated).
 */
export const memoryByFamily = async (
  client: IORedis,
  family: (key: string) => string
): Promise<Map<string, { keys: number; bytes: number }>> => {
  const families = new Map<string, { keys: number; bytes: number }>()
  let cursor = "0"
  do {
    const [next, keys] = await client.scan(cursor, "COUNT", 1_000)
    cursor = next
    if (keys.length === 0) continue
    const pipeline = client.pipeline()
    for (const key of keys) pipeline.call("MEMORY", "USAGE", key, "SAMPLES", "0")
    const results = (await pipeline.exec()) ?? []
    keys.forEach((key, i) => {
      const bytes = Number(results[i]?.[1] ?? 0)
      const name = family(key)
      const entry = families.get(name) ?? { keys: 0, bytes: 0 }
      entry.keys += 1
      entry.bytes += bytes
      families.set(name, entry)
    })
  } while (cursor !== "0")
  return families
}

/** Zeroes the server's command counters (`INFO commandstats`). */
export const resetCommandStats = async (client: IORedis): Promise<void> => {
  await client.config("RESETSTAT")
}

/**
 * Calls per command since the last reset, from `INFO commandstats`, commands run
 * inside scripts included (they are counted under their own names as well as
 * the script's `evalsha`).
 */
export const commandStats = async (client: IORedis): Promise<Map<string, number>> => {
  const info = await client.info("commandstats")
  const calls = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]))
  return calls
}

/** Calls per delivery, busiest first, without the bench's own INFO/CONFIG calls. */
export const perDelivery = (calls: ReadonlyMap<string, number>, deliveries: number): Record<string, number> =>
  Object.fromEntries(
    [...calls.entries()]
      .filter(([name]) => name !== "info" && name !== "config|resetstat" && name !== "config")
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => [name, Math.round((count / deliveries) * 100) / 100])
  )
