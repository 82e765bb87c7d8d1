/**
 * Every duration variable, of every package a process reads, takes the same
 * forms (`500ms`, `5s`, `2m`, `1h`, `1d`, Effect's `5 seconds`) within its
 * range, and a malformed one stops the start with a message naming the
 * variable and the forms accepted. Each is read as the Environment reads it.
 */
import * as RequestTimeouts from "@herald/http/edge/RequestTimeouts"
import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Environment from "../src/Environment.js"

const FORMS: ReadonlyArray<readonly [string, number]> = [
  ["500ms", 500],
  ["5s", 5_000],
  ["1.5s", 1_500],
  ["2m", 120_000],
  ["1h", 3_600_000],
  ["1d", 86_400_000],
  ["5 seconds", 5_000],
  ["250 millis", 250],
  ["2 minutes", 120_000]
]

const read = <A>(config: Effect.Effect<A, unknown>, env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))

const check = <A>(
  name: string,
  config: Effect.Effect<A, unknown>,
  value: (a: A) => number,
  options: { readonly minMs?: number; readonly maxMs?: number; readonly env?: Record<string, string> } = {}
) => {
  const { env = {}, maxMs = Infinity, minMs = 1 } = options
  expect(Either.isRight(read(config, env)), `${name} unset takes its default`).toBe(true)
  let accepted = 0
  for (const [text, ms] of FORMS) {
    const result = read(config, { ...env, [name]: text })
    if (ms >= minMs && ms <= maxMs) {
      accepted++
      expect(Either.map(result, value), `${name}=${text}`).toEqual(Either.right(ms))
    } else {
      expect(Either.isLeft(result) ? String(result.left) : "(accepted)", `${name}=${text} is out of range`).toContain(name)
    }
  }
  expect(accepted, `${name} accepts some of the forms`).toBeGreaterThanOrEqual(4)
  const bad = read(config, { ...env, [name]: "5x" })
  const message = Either.isLeft(bad) ? String(bad.left) : "(accepted)"
  expect(message).toContain(name)
  expect(message).toContain("500ms, 5s, 2m, 1h, 1d or 5 seconds")
}

const REDIS = { REDIS_URL: "redis://127.0.0.1:1/0" }

describe("duration variables", () => {
  it("HERALD_DELIVERY_TIMEOUT", () => {
    check("HERALD_DELIVERY_TIMEOUT", Environment.delivery, (s) => s.timeoutMs)
  })
  it("HERALD_DELIVERY_CONNECT_TIMEOUT (at most 2 minutes)", () => {
    check("HERALD_DELIVERY_CONNECT_TIMEOUT", Environment.delivery, (s) => s.connectTimeoutMs ?? -1, { maxMs: 120_000 })
  })
  it("HERALD_DISABLE_AFTER", () => {
    check("HERALD_DISABLE_AFTER", Environment.health, (p) => p.disableAfterMs)
  })
  it("HERALD_RETENTION (at least 1 second)", () => {
    check("HERALD_RETENTION", Environment.redis, (o) => (o.retention.retentionSeconds ?? -1) * 1000, {
      minMs: 1_000,
      env: REDIS
    })
  })
  it("HERALD_QUEUE_LOCK_DURATION (at least 1 second, longer than the delivery timeout)", () => {
    check("HERALD_QUEUE_LOCK_DURATION", Environment.redis, (o) => o.queue.lockDurationMs ?? -1, {
      minMs: 1_000,
      env: { ...REDIS, HERALD_DELIVERY_TIMEOUT: "100ms" }
    })
  })
  it("HERALD_QUEUE_STALLED_INTERVAL (at least 1 second)", () => {
    check("HERALD_QUEUE_STALLED_INTERVAL", Environment.redis, (o) => o.queue.stalledIntervalMs ?? -1, {
      minMs: 1_000,
      env: REDIS
    })
  })
  it("HERALD_QUEUE_DRAIN_TIMEOUT (at least 1 second)", () => {
    check("HERALD_QUEUE_DRAIN_TIMEOUT", Environment.redis, (o) => o.queue.drainTimeoutMs ?? -1, {
      minMs: 1_000,
      env: REDIS
    })
  })
  it("HERALD_RATE_LIMIT_WINDOW (1 second to 1 hour)", () => {
    check("HERALD_RATE_LIMIT_WINDOW", Environment.protection, (s) => s.rateLimits.windowMs, {
      minMs: 1_000,
      maxMs: 3_600_000
    })
  })
  it("HERALD_HEADERS_TIMEOUT (100 ms to 10 minutes)", () => {
    check("HERALD_HEADERS_TIMEOUT", Environment.timeouts, (t) => t.headersMs, {
      minMs: 100,
      maxMs: 600_000,
      env: { HERALD_REQUEST_TIMEOUT: "10m" }
    })
  })
  it("HERALD_REQUEST_TIMEOUT (100 ms to 10 minutes)", () => {
    check("HERALD_REQUEST_TIMEOUT", Environment.timeouts, (t) => t.requestMs, {
      minMs: 100,
      maxMs: 600_000,
      env: { HERALD_HEADERS_TIMEOUT: "100ms" }
    })
  })
  it("HERALD_HEADERS_TIMEOUT may not outlast HERALD_REQUEST_TIMEOUT, which covers the headers", () => {
    expect(read(Environment.timeouts, {})).toEqual(Either.right(RequestTimeouts.defaults))
    const result = read(Environment.timeouts, { HERALD_HEADERS_TIMEOUT: "20s", HERALD_REQUEST_TIMEOUT: "10s" })
    const message = Either.isLeft(result) ? String(result.left) : "(accepted)"
    expect(message).toContain("HERALD_HEADERS_TIMEOUT")
    expect(message).toContain("HERALD_REQUEST_TIMEOUT")
  })
  it("a short HERALD_REQUEST_TIMEOUT alone shortens the unset headers timeout to it, instead of stopping the start", () => {
    expect(read(Environment.timeouts, { HERALD_REQUEST_TIMEOUT: "3s" })).toEqual(
      Either.right({ headersMs: 3_000, requestMs: 3_000 })
    )
    expect(read(Environment.timeouts, { HERALD_REQUEST_TIMEOUT: "1m" })).toEqual(
      Either.right({ headersMs: RequestTimeouts.defaults.headersMs, requestMs: 60_000 })
    )
  })
})
