import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ChildProcesses } from "@herald/testkit"

const dir = mkdtempSync(join(tmpdir(), "herald-child-processes-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A Node script in the temporary directory. */
const script = (name: string, source: string): string => {
  const file = join(dir, `${name}.mjs`)
  writeFileSync(file, source)
  return file
}

// The SIGTERM handler comes first: a test stops the child as soon as it has
// logged, and a signal before the handler would kill it without "stopping".
const ready = script("ready", `
  process.on("SIGTERM", () => { console.log("stopping"); process.exit(0) })
  console.log("ready " + (process.env.GREETING ?? "") + " " + (process.env.HERALD_LEAKED ?? "no herald variable"))
  console.error("on stderr")
  setInterval(() => {}, 1000)
`)

describe("ChildProcesses", () => {
  it("collects stdout and stderr in memory, passes env without Herald's variables, and stops on SIGTERM", async () => {
    process.env["HERALD_LEAKED"] = "leaked"
    const child = ChildProcesses.spawnNode(ready, { name: "ready", env: { GREETING: "hello" } })
    delete process.env["HERALD_LEAKED"]
    await child.waitForOutput("on stderr", 10_000)
    expect(child.output()).toContain("ready hello no herald variable")
    expect(child.logFile).toBeUndefined()
    await child.stop()
    expect(child.exitStatus()).toBe("code=0 signal=null")
    expect(child.output()).toContain("stopping")
  })

  it("appends the output to a log file when given one", async () => {
    const logFile = join(dir, "ready.log")
    const child = ChildProcesses.spawnNode(ready, { name: "logged", env: { GREETING: "file" }, logFile })
    await child.waitForOutput("ready file", 10_000)
    await child.stop()
    expect(readFileSync(logFile, "utf8")).toContain("ready file")
    expect(child.tail(9)).toBe("[...]stopping\n")
  })

  it("SIGKILLs a child that ignores SIGTERM once the grace period is over", async () => {
    const stubborn = script("stubborn", `
      process.on("SIGTERM", () => console.log("ignored"))
      console.log("up")
      setInterval(() => {}, 1000)
    `)
    const child = ChildProcesses.spawnNode(stubborn, { name: "stubborn", graceMs: 300 })
    await child.waitForOutput("up", 10_000)
    await child.stop()
    expect(child.exitStatus()).toBe("code=null signal=SIGKILL")
    expect(child.output()).toContain("did not exit within 300 ms of SIGTERM: SIGKILL")
  })

  it("rejects a wait for a line the process exits without logging", async () => {
    const quits = script("quits", `console.log("bye"); process.exit(3)`)
    const child = ChildProcesses.spawnNode(quits, { name: "quits" })
    await expect(child.waitForOutput("never", 10_000)).rejects.toThrow('quits exited (code=3 signal=null) before logging "never"')
  })

  it("waits until a URL answers 200, and says so when the process exits first", async () => {
    const server = script("server", `
      import { createServer } from "node:http"
      const server = createServer((_, res) => res.end("ok"))
      server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port))
      process.on("SIGTERM", () => server.close())
    `)
    const child = ChildProcesses.spawnNode(server, { name: "server" })
    await child.waitForOutput("port ", 10_000)
    const port = /port (\d+)/.exec(child.output())?.[1]
    await ChildProcesses.waitUntilAnswering(child, `http://127.0.0.1:${port}/`, 10_000)
    expect(await ChildProcesses.answers200(`http://127.0.0.1:${port}/`)).toBe(true)
    await ChildProcesses.stopAll([child, undefined])
    expect(child.exitStatus()).toBe("code=0 signal=null")

    const quits = ChildProcesses.spawnNode(script("quits-early", "process.exit(1)"), { name: "early" })
    await expect(ChildProcesses.waitUntilAnswering(quits, `http://127.0.0.1:${port}/`, 10_000)).rejects.toThrow(
      "early exited (code=1 signal=null) before"
    )
  })
})
