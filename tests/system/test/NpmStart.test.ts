/**
 * `npm start`, as README starts Herald: SIGTERM to the npm process (what a
 * process manager sends to what it started) stops the server, gracefully (no
 * new connections; a request in flight is answered), and leaves no process of
 * it behind. npm forwards the signal to its script's
 * shell; the script `exec`s the server, so the server is that process and
 * receives it (a shell would exit and leave the server serving).
 *
 * The script builds first; turbo's cache makes that quick when the apps are
 * built, as they are before this workspace's tests.
 */
import { connect } from "node:net"
import { ChildProcesses, RedisServer } from "@herald/testkit"
import { afterEach, describe, expect, it } from "vitest"
import { dumpOutput, healthy, pollUntil, repoRoot, sleep, waitHealthy } from "./support/Processes.js"

describe("npm start", () => {
  let npm: ChildProcesses.Child | undefined
  afterEach(() => {
    if (npm !== undefined) ChildProcesses.killGroup(npm.pid)
  })

  it("SIGTERM to npm stops the server gracefully: a request in flight is answered, the port stops serving, no process is left", async () => {
    const port = await RedisServer.freePort()
    const url = `http://127.0.0.1:${port}`
    npm = ChildProcesses.spawnCommand("npm", ["start"], {
      name: "npm start",
      env: { PORT: String(port), HOST: "127.0.0.1" },
      cwd: repoRoot,
      detached: true
    })
    try {
      await waitHealthy(npm, url, 180_000)
      // The key the embedded default printed at start.
      const key = /\bhk_[A-Za-z0-9_-]+/.exec(npm.output())?.[0]
      expect(key, "the printed API key").toBeDefined()

      // A publish in flight: headers sent, its body not yet.
      const body = JSON.stringify({ event_type: "batch_prediction.completed", data: { n: 1 } })
      const inFlight = connect(port, "127.0.0.1")
      let answer = ""
      inFlight.setEncoding("utf8")
      inFlight.on("data", (chunk: string) => (answer += chunk))
      const closed = new Promise<void>((resolve) => inFlight.once("close", () => resolve()))
      await new Promise<void>((resolve) => inFlight.once("connect", () => resolve()))
      inFlight.write(
        `POST /v1/events HTTP/1.1\r\nHost: herald.test\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
      )
      await sleep(200)

      npm.signal("SIGTERM")
      let serving = true
      const watch = (async () => {
        while (serving) serving = await healthy(url)
      })()
      expect(await pollUntil(() => !serving, 15_000), "the port stops serving").toBe(true)
      await watch

      // The request that was in flight is still answered.
      inFlight.end(body)
      await closed
      expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 202 Accepted")

      const leader = npm.pid
      expect(await pollUntil(() => !ChildProcesses.groupAlive(leader), 15_000), "no process of npm start is left").toBe(true)
      await npm.whenExited()
      expect(npm.output()).not.toContain("Error")
      // It says it stopped, once the work in flight was done, so a stop is not mistaken for a crash.
      expect(npm.output()).toContain("Herald (all) stopped: work in flight finished")
    } catch (error) {
      dumpOutput([npm])
      throw error
    }
  }, 240_000)
})
