// The map under the memory rate limiter and idempotency store: expired values
// read as absent, and sweeps keep the map near its live size.
import { describe, expect, it } from "@effect/vitest"
import * as ExpiringMap from "../src/internal/ExpiringMap.js"

describe("ExpiringMap", () => {
  it("a value is there until its expiry time, then gone", () => {
    const map = ExpiringMap.make<{ expiresAt: number; n: number }>()
    map.set("a", { expiresAt: 100, n: 1 }, 0)
    expect(map.get("a", 99)?.n).toBe(1)
    expect(map.get("a", 100)).toBeUndefined()
    expect(map.size()).toBe(0)
    map.set("b", { expiresAt: 100, n: 2 }, 0)
    map.delete("b")
    expect(map.get("b", 0)).toBeUndefined()
  })

  it("stays near its live size under a stream of keys that are never read again", () => {
    const map = ExpiringMap.make<{ expiresAt: number }>()
    let largest = 0
    // One new key per millisecond, each live for 100 ms: about 100 live at any time.
    for (let now = 0; now < 20_000; now++) {
      map.set(`key-${now}`, { expiresAt: now + 100 }, now)
      largest = Math.max(largest, map.size())
    }
    // A sweep every 1,000 writes at least: never more than the minimum interval twice over.
    expect(largest).toBeLessThanOrEqual(2_000)
    expect(largest).toBeGreaterThan(100)
  })

  it("keeps every live value through sweeps", () => {
    const map = ExpiringMap.make<{ expiresAt: number }>()
    for (let i = 0; i < 5_000; i++) map.set(`live-${i}`, { expiresAt: 1_000 }, 0)
    for (let i = 0; i < 5_000; i++) map.set(`short-${i}`, { expiresAt: 10 }, 20)
    expect(map.size()).toBeGreaterThanOrEqual(5_000)
    for (let i = 0; i < 5_000; i++) expect(map.get(`live-${i}`, 20)).toBeDefined()
  })
})
