import { describe, expect, it } from "vitest"
import { RedisServer } from "@herald/testkit"

describe.skipIf(!RedisServer.hasRedisServer())("RedisServer (needs the redis-server binary)", () => {
  it("starts a private server that answers, stops and restarts it on the same port, and removes it", async () => {
    const redis = await RedisServer.start({ appendOnly: true })
    try {
      expect(redis.owned).toBe(true)
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}/0`)
      expect(redis.prefix).toMatch(/^herald-test-[0-9a-f]{8}:$/)
      expect(redis.pid()).toBeGreaterThan(0)
      expect(RedisServer.version()).toMatch(/^\d+\.\d+/)
      await RedisServer.waitForPing(redis.port)
      await redis.stop()
      await expect(RedisServer.waitForPing(redis.port, "127.0.0.1", 300)).rejects.toThrow("did not answer PING")
      await redis.restart()
      await RedisServer.waitForPing(redis.port)
    } finally {
      await redis.close()
    }
    await expect(RedisServer.waitForPing(redis.port, "127.0.0.1", 300)).rejects.toThrow()
  })
})
