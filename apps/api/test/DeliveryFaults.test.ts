/**
 * Deliveries under receiver faults, end to end through the core services: the
 * memory adapters, the real undici transport and the in-process worker, against
 * real TestReceivers. The schedule is compressed ([0, 100, 100]: three attempts)
 * and the total timeout short (500 ms). Attempts are read back from the
 * `AttemptLog`. Timing is asserted as lower bounds only.
 */
import { type Attempt, AttemptLog, type Herald, Ids, Publisher, Webhooks } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { Effect, type Layer, ManagedRuntime, Schema } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { Ports, Process } from "@herald/runtime"

const settings: Herald.Settings = {
  retrySchedule: [0, 100, 100],
  allowPrivateUrls: true,
  delivery: { timeoutMs: 500, connectTimeoutMs: 500, concurrency: 10 }
}

const eventType = "batch_prediction.completed"

/** The worker and the core services over the memory ports; no HTTP edge is needed here. */
const layer: Layer.Layer<Webhooks.Webhooks | Publisher.Publisher | AttemptLog.AttemptLog, unknown> = Process
  .workerOnly({ settings, ports: Ports.memory })

let runtime: ManagedRuntime.ManagedRuntime<Webhooks.Webhooks | Publisher.Publisher | AttemptLog.AttemptLog, unknown>
const receivers: Array<TestReceiver.RunningReceiver> = []
let teamspaces = 0

beforeAll(() => {
  runtime = ManagedRuntime.make(layer)
})
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})
afterAll(() => runtime.dispose())

const receiver = async (respond: TestReceiver.Responder) => {
  const started = await TestReceiver.start({ respond })
  receivers.push(started)
  return started
}

/** Subscribes `url` in a teamspace of its own (so no other test's webhook matches) and publishes one event. */
const deliverTo = (url: string) =>
  runtime.runPromise(Effect.gen(function*() {
    const teamspace = Schema.decodeSync(Ids.TeamspaceId)(`faults-${++teamspaces}`)
    const { webhook } = yield* Effect.flatMap(Webhooks.Webhooks, (hooks) => hooks.create(teamspace, { url, events: [eventType] }))
    yield* Effect.flatMap(Publisher.Publisher, (publisher) => publisher.publish(teamspace, { type: eventType, data: { ok: true } }))
    return { teamspace, webhookId: webhook.id }
  }))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls the attempt log until `count` attempts are there, then lets a little more time pass to catch extras. Oldest first. */
const attempts = async (
  target: { readonly teamspace: Ids.TeamspaceId; readonly webhookId: Ids.WebhookId },
  count: number
): Promise<ReadonlyArray<Attempt.Attempt>> => {
  const list = () =>
    runtime.runPromise(Effect.flatMap(AttemptLog.AttemptLog, (log) => log.list({ ...target, limit: 50 })))
  const deadline = Date.now() + 20_000
  while ((await list()).length < count && Date.now() < deadline) await sleep(50)
  await sleep(400)
  return [...(await list())].sort((a, b) => a.attempt - b.attempt)
}

const expectAllFailed = (log: ReadonlyArray<Attempt.Attempt>, failure: Attempt.FailureKind) => {
  expect(log.map((attempt) => attempt.attempt)).toEqual([1, 2, 3])
  for (const attempt of log) {
    expect(attempt.successful).toBe(false)
    expect(attempt.failure).toBe(failure)
    expect(attempt.durationMs).toBeGreaterThanOrEqual(0)
  }
  expect(log.slice(0, -1).every((attempt) => attempt.nextAttemptAt !== null)).toBe(true)
  expect(log.at(-1)?.nextAttemptAt).toBeNull()
}

describe("delivery faults", { timeout: 30_000 }, () => {
  it("500: three attempts, all failed http_status 500, the last with no next attempt", async () => {
    const target = await receiver(TestReceiver.always(TestReceiver.reply(500, { body: "boom", headers: { "x-why": "test" } })))
    const log = await attempts(await deliverTo(`${target.url}/hooks`), 3)
    expectAllFailed(log, "http_status")
    for (const attempt of log) {
      expect(attempt.responseStatus).toBe(500)
      expect(attempt.responseBody).toBe("boom")
      expect(attempt.responseHeaders["x-why"]).toBe("test")
    }
    for (const attempt of log.slice(0, -1)) expect(attempt.nextAttemptAt!).toBeGreaterThanOrEqual(attempt.attemptedAt)
    expect(target.requests()).toHaveLength(3)
  })

  it("a receiver that never answers: timeout", async () => {
    const target = await receiver(TestReceiver.always(TestReceiver.hang))
    const log = await attempts(await deliverTo(target.url), 3)
    expectAllFailed(log, "timeout")
    expect(log.every((attempt) => attempt.responseStatus === null)).toBe(true)
    expect(log.every((attempt) => attempt.durationMs >= 400)).toBe(true)
  })

  it("a reset connection: connection", async () => {
    const target = await receiver(TestReceiver.always(TestReceiver.reset))
    expectAllFailed(await attempts(await deliverTo(target.url), 3), "connection")
  })

  it("a body still arriving past the total timeout: timeout", async () => {
    const target = await receiver(
      TestReceiver.always(TestReceiver.slowBody({ chunks: Array.from({ length: 20 }, () => "z"), intervalMs: 100 }))
    )
    expectAllFailed(await attempts(await deliverTo(target.url), 3), "timeout")
  })

  it("a 10 MB body on 200: successful, at most 4 KiB of it kept", async () => {
    const target = await receiver(TestReceiver.always(TestReceiver.hugeBody(10 * 1024 * 1024, 200)))
    const log = await attempts(await deliverTo(target.url), 1)
    expect(log).toHaveLength(1)
    expect(log[0]!.successful).toBe(true)
    expect(log[0]!.failure).toBeNull()
    expect(log[0]!.responseStatus).toBe(200)
    expect(log[0]!.responseBody.length).toBeGreaterThan(0)
    expect(log[0]!.responseBody.length).toBeLessThanOrEqual(4096)
    expect(log[0]!.nextAttemptAt).toBeNull()
  })

  it("a 302 is a redirect failure with its status, and its Location is never requested", async () => {
    const elsewhere = await receiver(TestReceiver.always(TestReceiver.reply(200)))
    const target = await receiver(TestReceiver.always(TestReceiver.redirect(`${elsewhere.url}/stolen`)))
    const log = await attempts(await deliverTo(target.url), 3)
    expectAllFailed(log, "redirect")
    for (const attempt of log) {
      expect(attempt.responseStatus).toBe(302)
      expect(attempt.responseHeaders["location"]).toBe(`${elsewhere.url}/stolen`)
    }
    expect(elsewhere.requests()).toHaveLength(0)
  })

  it("410: a failure with status 410", async () => {
    const target = await receiver(TestReceiver.always(TestReceiver.gone))
    const log = await attempts(await deliverTo(target.url), 1)
    expect(log.length).toBeGreaterThanOrEqual(1)
    expect(log[0]!.successful).toBe(false)
    expect(log[0]!.responseStatus).toBe(410)
    expect(log[0]!.failure).toBe("http_status")
  })

  it("429 with Retry-After: 1 holds the next attempt back at least a second", async () => {
    const target = await receiver(TestReceiver.sequence([TestReceiver.tooManyRequests(1), TestReceiver.reply(200)]))
    const log = await attempts(await deliverTo(target.url), 2)
    expect(log.map((attempt) => attempt.responseStatus)).toEqual([429, 200])
    const [first, second] = log as [Attempt.Attempt, Attempt.Attempt]
    expect(first.responseHeaders["retry-after"]).toBe("1")
    expect(first.nextAttemptAt! - (first.attemptedAt + first.durationMs)).toBeGreaterThanOrEqual(1_000)
    // Lower bound only (a few ms of timer slack allowed); never an upper bound.
    expect(second.attemptedAt - first.attemptedAt).toBeGreaterThanOrEqual(980)
    expect(second.successful).toBe(true)
  })

  it("a closed port: connection", async () => {
    const closed = await TestReceiver.start()
    await closed.close()
    expectAllFailed(await attempts(await deliverTo(closed.url), 3), "connection")
  })
})
