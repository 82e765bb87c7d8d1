/**
 * A private Redis Cluster for tests: three `redis-server` masters (no replicas)
 * on free loopback ports, each in its own temporary directory (see
 * `RedisServer`), joined with `redis-cli --cluster create`. Needs both binaries;
 * check `hasRedisCluster()` first. There is no `REDIS_URL` fallback: a cluster
 * the tests did not create could not be shared safely.
 */
import { execFile, execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { promisify } from "node:util"
import * as RedisServer from "./RedisServer.js"

const run = promisify(execFile)

/** One master of a test cluster. */
export interface ClusterNode {
  readonly host: string
  readonly port: number
}

/** A running test cluster: its nodes and URLs, a unique key prefix, and `close`. */
export interface RedisClusterInstance {
  /** The masters, in the order they were started. */
  readonly nodes: ReadonlyArray<ClusterNode>
  /** `redis://127.0.0.1:PORT` of the first master: a seed node for a cluster client. */
  readonly url: string
  /** Every node as a seed, comma-separated `redis://host:port` URLs. */
  readonly urls: string
  /**
   * Unique to this cluster and hash-tagged (`{herald-test-<hex>}:`), so all keys
   * under it share one slot, as Herald's production prefix does.
   */
  readonly prefix: string
  /**
   * `redis://host:port` of a master that does not serve `key`'s slot. Seeding a
   * client there proves it follows the cluster: a standalone client would get
   * MOVED for `key`.
   */
  readonly urlAwayFrom: (key: string) => Promise<string>
  /** Stops every node and removes their directories. */
  readonly close: () => Promise<void>
}

/** How many masters, and how long to wait for the cluster to form. */
export interface StartOptions {
  /** Number of masters, at least 3 (what `redis-cli --cluster create` requires). Default 3. */
  readonly masters?: number
  /** How long to wait for `cluster_state:ok` on every node. Default 20 s. */
  readonly timeoutMs?: number
}

/** Whether `redis-cli` is on PATH. */
export const hasRedisCli = (): boolean => {
  try {
    execFileSync("redis-cli", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** Whether `start` can work here: both `redis-server` and `redis-cli` are on PATH. */
export const hasRedisCluster = (): boolean => RedisServer.hasRedisServer() && hasRedisCli()

const HOST = "127.0.0.1"

const clusterInfo = async (port: number): Promise<string> => {
  try {
    const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), "cluster", "info"], { timeout: 2_000 })
    return stdout
  } catch {
    return ""
  }
}

/**
 * Starts a private cluster (`hasRedisCluster()` first); rejects when the binaries are missing or
 * the cluster does not form in time. Close it when done.
 */
export const start = async (options: StartOptions = {}): Promise<RedisClusterInstance> => {
  if (!hasRedisCluster()) throw new Error("a test Redis Cluster needs redis-server and redis-cli on PATH")
  const masters = Math.max(3, options.masters ?? 3)
  const timeoutMs = options.timeoutMs ?? 20_000
  const servers: Array<RedisServer.RedisInstance> = []
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()))
  }
  try {
    for (let i = 0; i < masters; i++) {
      // The bus port defaults to port + 10000, which can pass 65535 for an
      // ephemeral port: take a free one of its own.
      const busPort = await RedisServer.freePort()
      servers.push(
        await RedisServer.start({
          args: [
            "--cluster-enabled", "yes",
            // Relative to the instance's own `--dir`, so nodes never share it.
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "2000",
            "--cluster-port", String(busPort)
          ]
        })
      )
    }
    const nodes = servers.map((server): ClusterNode => ({ host: HOST, port: server.port }))
    await run(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((node) => `${node.host}:${node.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: timeoutMs }
    )
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port)))
      if (infos.every((info) => info.includes("cluster_state:ok"))) break
      if (Date.now() > deadline) {
        throw new Error(`the test Redis Cluster did not reach cluster_state:ok within ${timeoutMs} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const urlAwayFrom = async (key: string) => {
      for (const node of nodes) {
        // A node that does not serve the key's slot answers MOVED.
        const reply = await run("redis-cli", ["-h", node.host, "-p", String(node.port), "exists", key], { timeout: 5_000 })
          .then(({ stdout }) => stdout, (error: { readonly stdout?: string }) => error.stdout ?? "")
        if (reply.includes("MOVED")) return `redis://${node.host}:${node.port}`
      }
      throw new Error(`every node seems to serve the slot of ${key}`)
    }
    return {
      nodes,
      url: `redis://${HOST}:${nodes[0]!.port}`,
      urls: nodes.map((node) => `redis://${node.host}:${node.port}`).join(","),
      prefix: `{herald-test-${randomBytes(4).toString("hex")}}:`,
      urlAwayFrom,
      close
    }
  } catch (error) {
    await close()
    throw error
  }
}
