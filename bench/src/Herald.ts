/**
 * Herald as production runs it on Redis, or on PostgreSQL + Redis: the built API
 * (`HERALD_ROLE=api`) and worker (`apps/worker`) processes, on the bench's private
 * Redis (and a database of its own), with Herald's defaults for everything the
 * bench does not need to change.
 */
import { fileURLToPath } from "node:url"
import type { DatagridApi } from "@herald/http"
import { ChildProcesses, RedisServer } from "@herald/testkit"
import { Pool } from "undici"
import { type Child, spawnNode } from "./Processes.js"

export const apiMain = fileURLToPath(new URL("../../apps/api/dist/main.js", import.meta.url))
export const workerMain = fileURLToPath(new URL("../../apps/worker/dist/main.js", import.meta.url))

export const API_KEY = "hk_bench_0123456789abcdef"
export const TEAMSPACE = "bench"
/** A Datagrid catalog type; every bench subscription and event uses it. */
export const EVENT_TYPE = "batch_prediction.completed"
/** Herald's defaults: the queue's keys start with `{herald}:deliveries:`, the stores' with `{herald}:`. */
export const QUEUE_PREFIX = "{herald}"
export const QUEUE_NAME = "deliveries"

/**
 * The API's per-teamspace rate limits (`HERALD_RATE_LIMITS`), raised far above
 * anything the bench sends: one teamspace publishes thousands of events a second
 * here, where the default allows 100 publishes and 1 webhook creation a second.
 * The limiter stays on, so its cost (a script call per request) is measured.
 */
export const RATE_LIMITS = ["default", "POST /v1/events", "POST /v1/events/batch", "POST /v1/webhooks"].map((route) => `${route}=1000000000`).join(",")

export interface Options {
  readonly redisUrl: string
  /** DATABASE_URL: set, Herald keeps its records on PostgreSQL and only the queue and short-lived state on Redis. */
  readonly databaseUrl?: string | undefined
  readonly logDir: string
  /** HERALD_WORKER_CONCURRENCY. */
  readonly concurrency: number
  /** Write a CPU profile per process into this directory (`node --cpu-prof`). */
  readonly cpuProfileDir?: string | undefined
  /** HERALD_METRICS: whether the processes record metrics (true when absent). */
  readonly metrics?: boolean | undefined
}

const env = (options: Options): Record<string, string> => ({
  REDIS_URL: options.redisUrl,
  ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
  // The receiver is on loopback, which Herald refuses unless told otherwise.
  HERALD_ALLOW_PRIVATE_URLS: "true",
  HERALD_WORKER_CONCURRENCY: String(options.concurrency),
  // Workers side by side each take a free operations port.
  HERALD_METRICS_PORT: "0",
  HERALD_METRICS: String(options.metrics ?? true)
})

const execArgv = (options: Options, name: string): ReadonlyArray<string> =>
  options.cpuProfileDir === undefined
    ? []
    : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]

export interface Api {
  readonly child: Child
  readonly url: string
}

export const startApi = async (options: Options): Promise<Api> => {
  const port = await RedisServer.freePort()
  const child = spawnNode({
    name: "herald-api",
    script: apiMain,
    logDir: options.logDir,
    execArgv: execArgv(options, "api"),
    env: {
      ...env(options),
      HERALD_ROLE: "api",
      PORT: String(port),
      HOST: "127.0.0.1",
      HERALD_API_KEYS: `${API_KEY}=${TEAMSPACE}`,
      HERALD_RATE_LIMITS: RATE_LIMITS
    }
  })
  const url = `http://127.0.0.1:${port}`
  await ChildProcesses.waitUntilAnswering(child, `${url}/healthz`, 60_000)
  return { child, url }
}

export const startWorker = async (options: Options, name = "herald-worker"): Promise<Child> => {
  const child = spawnNode({ name, script: workerMain, logDir: options.logDir, execArgv: execArgv(options, name), env: env(options) })
  await child.waitForOutput("delivery worker started")
  return child
}

export interface Webhook {
  readonly id: string
  readonly secret: string
}

/** Datagrid-profile management calls the scenarios need (subscriptions), over one keep-alive pool. */
export const client = (apiUrl: string, connections = 16) => {
  const pool = new Pool(apiUrl, { connections, keepAliveTimeout: 60_000 })
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" }

  const createWebhook = async (url: string, events: ReadonlyArray<string> = [EVENT_TYPE]): Promise<Webhook> => {
    const body: typeof DatagridApi.CreateWebhookRequestBody.Encoded = { url, events }
    const response = await pool.request({ method: "POST", path: "/v1/webhooks", headers, body: JSON.stringify(body) })
    const text = await response.body.text()
    if (response.statusCode !== 201) throw new Error(`POST /v1/webhooks answered ${response.statusCode}: ${text}`)
    const webhook = JSON.parse(text) as typeof DatagridApi.WebhookWithSecret.Encoded
    return { id: webhook.id, secret: webhook.secret }
  }

  /** Creates `count` webhooks, `parallel` requests at a time; the receiver path of each is its index. */
  const createWebhooks = async (count: number, url: (index: number) => string, parallel = 16): Promise<Array<Webhook>> => {
    const created: Array<Webhook> = new Array<Webhook>(count)
    let next = 0
    const lane = async () => {
      while (next < count) {
        const index = next++
        created[index] = await createWebhook(url(index))
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane))
    return created
  }

  return { createWebhook, createWebhooks, close: () => pool.close() }
}
