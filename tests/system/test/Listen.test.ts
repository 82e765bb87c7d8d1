/**
 * `herald listen` as a developer runs it: the built CLI spawned against the
 * built apps, forwarding to a local receiver. In memory (one process serving
 * and delivering) and on Redis + BullMQ with the API and a worker in separate
 * processes (the worker hands the delivery to the relay, the API process
 * holding the stream passes it on, the answer goes back).
 *
 * What it proves: the receiver gets a delivery whose signature verifies with
 * the secret the CLI printed; the CLI prints a line with the local status; the
 * attempt log shows that status and body, a local 500 is retried like any
 * failure, and `herald trigger` fires an event at it; Ctrl-C removes the
 * temporary webhook; a CLI killed outright has its webhook removed once the
 * listener's lease (30 s) has lapsed; Herald stopping ends the stream rather
 * than waiting for the CLI.
 */
import { fileURLToPath } from "node:url"
import { ChildProcesses, RedisServer, TestReceiver } from "@herald/testkit"
import { verifySignature } from "@herald/verify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "./support/HeraldHttp.js"
import * as Processes from "./support/Processes.js"

const cliMain = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url))
const API_KEY = "listen-test-key-0123456789abcdef"
const TEAMSPACE = "listen"
const EVENT_TYPE = "batch_prediction.completed"

const { canRun, why } = Processes.prerequisites()

/** The listener's lease (30 s), plus a sweep interval (10 s), plus slack for a slow machine. */
const LAPSE_TIMEOUT_MS = 60_000

const setups = ["memory, one process", "Redis, API and worker processes"] as const

/** The webhooks of the teamspace, as `GET /v1/webhooks` lists them. */
const webhooks = async (apiUrl: string): Promise<ReadonlyArray<{ readonly id: string; readonly url: string }>> => {
  const response = await fetch(`${apiUrl}/v1/webhooks?limit=100`, { headers: { authorization: `Bearer ${API_KEY}` } })
  return ((await response.json()) as { data: ReadonlyArray<{ id: string; url: string }> }).data
}

/** An attempt as the log lists it, with the fields this test reads. */
interface LoggedAttempt extends Http.Attempt {
  readonly response_body: string
  readonly next_attempt_at: string | null
}

;(canRun ? describe : describe.skip).each(setups)(`herald listen (%s)${why}`, (setup) => {
  let redis: Awaited<ReturnType<typeof RedisServer.start>> | undefined
  let receiver: TestReceiver.RunningReceiver | undefined
  let api: Processes.ApiProcess | undefined
  let worker: ChildProcesses.Child | undefined
  const listeners: Array<ChildProcesses.Child> = []
  const children = () => [api, worker, ...listeners]

  beforeAll(async () => {
    receiver = await TestReceiver.start({ respond: () => TestReceiver.reply(201, { body: "hello from localhost" }) })
    await Processes.dumpingOnFailure(children, async () => {
      if (setup === "memory, one process") {
        api = await startEmbedded()
        return
      }
      redis = await RedisServer.start()
      const shared: Processes.Shared = {
        redisUrl: redis.url,
        tag: Processes.uniqueTag(),
        retrySchedule: "0s,500ms,1s,2s,5s"
      }
      api = await Processes.startApi(shared, { apiKey: API_KEY, teamspace: TEAMSPACE, env: { HERALD_ROLE: "api" } })
      worker = await Processes.startWorker("worker", shared)
    })
  }, 120_000)

  afterAll(async () => {
    await Processes.stopAll(children())
    await receiver?.close()
    await redis?.close()
  }, 60_000)

  /** Spawns `herald listen` forwarding to the receiver, and waits until its stream is attached. */
  const listen = async (name: string, extra: ReadonlyArray<string> = []) => {
    const child = ChildProcesses.spawnCommand(
      process.execPath,
      [cliMain, "listen", "--forward-to", `${receiver!.url}/hooks`, "--events", EVENT_TYPE, ...extra],
      { name, env: { HERALD_URL: api!.url, HERALD_API_KEY: API_KEY } }
    )
    listeners.push(child)
    await child.waitForOutput("Ready: forwarding to", 30_000)
    const secret = /Signing secret: (whsec_\S+)/.exec(child.output())?.[1]
    expect(secret, child.output()).toBeDefined()
    const listenerId = /Listener (lst_\S+)/.exec(child.output())?.[1]
    const webhook = (await webhooks(api!.url)).find((hook) => hook.url === `herald-listen://${listenerId}`)
    expect(webhook, "the listener's webhook is listed").toBeDefined()
    return { child, secret: secret!, webhookId: webhook!.id }
  }

  it(
    "forwards a signed delivery that verifies with the printed secret, logs the local status, retries a local 500, and Ctrl-C removes the webhook",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        receiver!.clear()
        const { child, secret, webhookId } = await listen("listen-1")

        await Http.publishEvent(api!.url, API_KEY, { id: "evt_listen_1", event_type: EVENT_TYPE, data: { batch: "nightly" } })
        const [delivered] = await receiver!.awaitRequests(1, 30_000)
        expect(delivered!.path).toBe("/hooks")
        expect(verifySignature({ payload: delivered!.body, header: delivered!.headers["datagrid-signature"], secret })).toMatchObject({ ok: true })
        // What Herald sends, and only that: no tracing headers, no fetch defaults.
        for (const added of ["traceparent", "b3", "accept-language", "sec-fetch-mode"]) expect(delivered!.headers).not.toHaveProperty(added)
        await child.waitForOutput("evt_listen_1  -> 201", 30_000)

        let logged: LoggedAttempt | undefined
        await Processes.pollUntil(async () => {
          const attempts = (await Http.listAttempts(api!.url, API_KEY, webhookId)) as ReadonlyArray<LoggedAttempt>
          logged = attempts.find((attempt) => attempt.event_id === "evt_listen_1")
          return logged !== undefined
        }, 30_000)
        expect(logged).toMatchObject({ successful: true, response_status_code: 201, response_body: "hello from localhost" })

        // A failing local app: the attempt is logged as its 500 and retried on schedule.
        let failed = false
        receiver!.respondWith(() => {
          if (failed) return TestReceiver.reply(200)
          failed = true
          return TestReceiver.reply(500, { body: "boom" })
        })
        await Http.publishEvent(api!.url, API_KEY, { id: "evt_listen_2", event_type: EVENT_TYPE, data: {} })
        await child.waitForOutput("evt_listen_2  -> 500", 30_000)
        await child.waitForOutput("evt_listen_2  -> 200", 30_000)
        let attempts: ReadonlyArray<LoggedAttempt> = []
        await Processes.pollUntil(async () => {
          const listed = (await Http.listAttempts(api!.url, API_KEY, webhookId)) as ReadonlyArray<LoggedAttempt>
          attempts = listed.filter((attempt) => attempt.event_id === "evt_listen_2")
          return attempts.length === 2
        }, 30_000)
        expect(attempts.map((attempt) => [attempt.attempt, attempt.response_status_code]).sort()).toEqual([[1, 500], [2, 200]])
        receiver!.respondWith(() => TestReceiver.reply(201, { body: "hello from localhost" }))

        child.signal("SIGINT")
        await child.whenExited()
        expect(child.exitStatus()).toBe("code=0 signal=null")
        expect(child.output()).toContain("Listener closed; its webhook is removed.")
        expect((await webhooks(api!.url)).map((hook) => hook.id)).not.toContain(webhookId)
      })
    },
    120_000
  )

  it(
    "herald trigger fires an event at two listeners at once; a listener killed outright is removed once its lease lapses",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        receiver!.clear()
        const first = await listen("listen-2")
        const second = await listen("listen-3")
        const triggered = await Processes.runCommand(cliMain, { HERALD_URL: api!.url, HERALD_API_KEY: API_KEY }, [
          "trigger",
          EVENT_TYPE,
          "--data",
          JSON.stringify({ from: "trigger" }),
          "--id",
          "evt_listen_trigger"
        ])
        expect(triggered, triggered.stderr).toMatchObject({ status: 0 })
        expect(triggered.stdout).toContain("2 deliveries enqueued")
        await first.child.waitForOutput("evt_listen_trigger  -> 201", 30_000)
        await second.child.waitForOutput("evt_listen_trigger  -> 201", 30_000)
        const received = await receiver!.awaitRequests(2, 30_000)
        const secrets = [first.secret, second.secret]
        for (const request of received) {
          expect(secrets.some((secret) =>
            verifySignature({ payload: request.body, header: request.headers["datagrid-signature"], secret }).ok
          )).toBe(true)
        }

        await first.child.kill9()
        await second.child.stop()
        const gone = await Processes.pollUntil(async () => {
          const ids = (await webhooks(api!.url)).map((hook) => hook.id)
          return !ids.includes(first.webhookId) && !ids.includes(second.webhookId)
        }, LAPSE_TIMEOUT_MS, 500)
        expect(gone, "both listeners' webhooks are removed").toBe(true)
      })
    },
    180_000
  )

  it(
    "a Herald told to stop while a listener is connected ends its stream and stops, without waiting for the listener",
    async () => {
      await Processes.dumpingOnFailure(children, async () => {
        const { child } = await listen("listen-4")
        await api!.stop(30_000)
        // stop() sends SIGKILL after its grace, and says so in the output: a clean stop says nothing of it.
        expect(api!.exitStatus()).not.toContain("SIGKILL")
        await child.waitForOutput("Stream lost (Herald is stopping)", 30_000)
        await child.stop()
      })
    },
    120_000
  )
})

/** The API with the worker in its process, everything in memory (no REDIS_URL): `npm start`'s default. */
const startEmbedded = async (): Promise<Processes.ApiProcess> => {
  const child = ChildProcesses.spawnNode(Processes.apiMain, {
    name: "api (memory)",
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      HERALD_API_KEYS: `${API_KEY}=${TEAMSPACE}`,
      HERALD_ALLOW_PRIVATE_URLS: "true",
      HERALD_RETRY_SCHEDULE: "0s,500ms,1s,2s,5s",
      HERALD_DELIVERY_TIMEOUT: "5 seconds"
    }
  })
  await child.waitForOutput("Listening on http://", 60_000)
  const url = /Listening on (http:\/\/[^:\s]+:\d+)/.exec(child.output())?.[1]
  if (url === undefined) throw new Error(`the API did not say where it listens:\n${child.tail()}`)
  await Processes.waitHealthy(child, url, 60_000)
  return { ...child, url }
}
