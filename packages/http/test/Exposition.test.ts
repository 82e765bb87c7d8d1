// The exposition's renderer: Herald's metrics in Prometheus' text format, strictly parseable, the
// queue's gauges from its depth at each rendering, and one rendering answering the scrapes of its
// cache's lifetime (so that asking often costs nothing more).
import { describe, expect, it } from "@effect/vitest"
import { type DeliveryQueue, Metrics } from "@herald/core"
import { PrometheusText } from "@herald/testkit"
import { Duration, Effect, Option } from "effect"
import * as Exposition from "../src/metrics/Exposition.js"

const queue = (depth: DeliveryQueue.QueueDepth, reads: { count: number }): DeliveryQueue.DeliveryQueueShape => ({
  enqueue: () => Effect.void,
  expedite: () => Effect.void,
  consume: () => Effect.void,
  depth: Effect.sync(() => {
    reads.count++
    return depth
  })
})

const published = (text: string) => PrometheusText.total(PrometheusText.parse(text), "herald_events_published_total")

describe("Exposition", () => {
  it.effect("renders the queue's depth as gauges, and every scrape anew without a cache", () =>
    Effect.gen(function*() {
      const reads = { count: 0 }
      const render = yield* Exposition.make(Option.some(queue({ waiting: 3, delayed: 2, active: 1, failed: 0, oldestWaitingMs: 1_500 }, reads)))
      const first = yield* render
      const families = PrometheusText.parse(first)
      expect(PrometheusText.total(families, "herald_queue_jobs", { state: "waiting" })).toBe(3)
      expect(PrometheusText.total(families, "herald_queue_jobs", { state: "delayed" })).toBe(2)
      expect(PrometheusText.total(families, "herald_queue_oldest_waiting_seconds")).toBe(1.5)
      Metrics.published()
      expect(published(yield* render)).toBe(published(first) + 1)
      expect(reads.count).toBe(2)
    }).pipe(Effect.provideService(Exposition.CacheTtl, Duration.zero)))

  it.effect("one rendering answers the scrapes of its cache's lifetime: one look at the queue", () =>
    Effect.gen(function*() {
      const reads = { count: 0 }
      const render = yield* Exposition.make(Option.some(queue({ waiting: 0, delayed: 0, active: 0, failed: 0, oldestWaitingMs: 0 }, reads)))
      const first = yield* render
      Metrics.published()
      expect(yield* render).toBe(first)
      expect(reads.count).toBe(1)
    }).pipe(Effect.provideService(Exposition.CacheTtl, Duration.minutes(1))))
})
