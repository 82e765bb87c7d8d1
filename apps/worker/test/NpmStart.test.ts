/**
 * `npm start`, as README starts Herald: SIGTERM to the npm process (what a
 * process manager sends to what it started) stops the server, gracefully, and
 * leaves no process of it behind. npm forwards the signal to its script's
 * shell; the script `exec`s the server, so the server is that process and
 * receives it (a shell would exit and leave the server serving).
 *
 * The script builds first; turbo's cache makes that quick when the apps are
 * built, as they are before this package's tests.
 */
import { RedisServer } from "@herald/testkit"
import { afterEach, describe, expect, it } from "vitest"
import {
  type Child,
  dumpOutput,
  groupAlive,
  healthy,
  killGroup,
  pollUntil,
  repoRoot,
  spawnProcess,
  waitHealthy
} from "./support/Processes.js"

describe("npm start", () => {
  let npm: Child | undefined
  afterEach(() => {
    if (npm !== undefined) killGroup(npm.pid)
  })

  it("SIGTERM to npm stops the server: the port stops serving and no process of it is left", async () => {
    const port = await RedisServer.freePort()
    const url = `http://127.0.0.1:${port}`
    npm = spawnProcess("npm start", "npm", ["start"], { PORT: String(port), HOST: "127.0.0.1" }, {
      cwd: repoRoot,
      detached: true
    })
    try {
      await waitHealthy(npm, url, 180_000)
      npm.signal("SIGTERM")
      let serving = true
      const watch = (async () => {
        while (serving) serving = await healthy(url)
      })()
      expect(await pollUntil(() => !serving, 15_000), "the port stops serving").toBe(true)
      await watch
      const leader = npm.pid
      expect(await pollUntil(() => !groupAlive(leader), 15_000), "no process of npm start is left").toBe(true)
      await npm.whenExited()
      // Stopped gracefully: the server's own shutdown, not a crash.
      expect(npm.output()).not.toContain("Error")
    } catch (error) {
      dumpOutput([npm])
      throw error
    }
  }, 240_000)
})
