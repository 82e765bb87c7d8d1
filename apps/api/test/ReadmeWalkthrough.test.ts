/**
 * README's "Try it" walkthrough runs as written: its shell blocks (the curl
 * walkthrough, the Idempotency-Key example, Diga over HTTP), its receiver
 * included, are run by bash against the real app, with only the ports and the
 * key put in. Every request must answer 2xx and the receiver must get the
 * deliveries, so a step that cannot work as written (a placeholder id, a URL a
 * fresh install refuses) fails here. The SDK examples run as written too, on
 * this package's copies of the SDKs.
 */
import { execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")

const has = (command: string) => {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** The lines under a heading, to the next heading of the same or a higher level (outside code blocks). */
const section = (heading: string) => {
  const lines = README.split("\n")
  const begin = lines.indexOf(heading)
  if (begin < 0) throw new Error(`README has no "${heading}"`)
  const level = heading.indexOf(" ")
  let fenced = false
  let end = begin + 1
  for (; end < lines.length; end++) {
    const line = lines[end]!
    if (line.startsWith("```")) fenced = !fenced
    const hashes = /^(#+) /.exec(line)?.[1]
    if (!fenced && hashes !== undefined && hashes.length <= level) break
  }
  return lines.slice(begin + 1, end).join("\n")
}

const codeBlocks = (language: string, text: string) =>
  [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!)
const shellBlocks = (text: string) => codeBlocks("sh", text)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** The command that starts Herald is the harness's job; the key is the harness's. */
const STARTS_HERALD = /^HERALD_ALLOW_PRIVATE_URLS=true npm start$/
const DONE = "walkthrough done"

let app: RunningApp
beforeAll(async () => {
  app = await start()
})
afterAll(() => app.close())

describe.skipIf(!has("bash") || !has("curl"))("README's walkthrough", () => {
  it("runs as written: every request answers 2xx and the receiver gets the deliveries", async () => {
    const blocks = [
      ...shellBlocks(section("### A walkthrough with curl")),
      ...shellBlocks(section("### Safe retries with Idempotency-Key")),
      ...shellBlocks(section("### Diga over HTTP"))
    ]
    expect(blocks.map((block) => block.trim())).toContainEqual(expect.stringMatching(STARTS_HERALD))
    const appPort = new URL(app.baseUrl).port
    const receiverPort = String(await freePort())
    const script = blocks
      .filter((block) => !STARTS_HERALD.test(block.trim()))
      .map((block) =>
        block
          .replaceAll("127.0.0.1:8080", `127.0.0.1:${appPort}`)
          .replaceAll("127.0.0.1:3000", `127.0.0.1:${receiverPort}`)
          .replaceAll("listen(3000)", `listen(${receiverPort})`)
          .replace(/^export KEY=hk_\.\.\..*$/m, `export KEY=${KEY_ACME}`)
          // A reader starts the receiver and then types; the script must wait
          // for it to listen, or a loaded machine's slow `node` start loses the
          // first deliveries.
          .replace(
            /^(node -e .*listen\(\d+\)'.*&)$/m,
            `$1\nuntil (exec 3<>/dev/tcp/127.0.0.1/${receiverPort}) 2>/dev/null; do sleep 0.1; done`
          )
      )
      .join("\n")

    const run = spawn(
      "bash",
      [
        "-c",
        // Each curl reports its status on stderr. The receiver runs on in the
        // background until its deliveries are in; then the process group is ended.
        `curl() { command curl -w '%{stderr}status %{http_code} %{method} %{url_effective}\\n' "$@"; }
${script}
echo "${DONE}" >&2
wait`
      ],
      { stdio: ["ignore", "pipe", "pipe"], detached: true }
    )
    let stdout = ""
    let stderr = ""
    run.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    run.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    const closed = new Promise<void>((resolve) => run.on("close", () => resolve()))
    const delivered = () => stdout.includes(`"event_type":"webhook.test"`) && stdout.includes(`"id":"evt_7f3d8a2c"`)
    const scriptDone = () => stderr.includes(DONE)
    for (let waited = 0; waited < 20_000 && !(delivered() && scriptDone()); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    try {
      process.kill(-run.pid!, "SIGTERM")
    } catch {
      // Already ended: the receiver did not start.
    }
    await closed

    const statuses = stderr.split("\n").filter((line) => line.startsWith("status "))
    expect(stderr, `the script ran to its end:\n${stderr}`).toContain(DONE)
    expect(statuses.length).toBeGreaterThan(15)
    const failed = statuses.filter((line) => !/^status 2\d\d /.test(line))
    const other = stderr.split("\n").filter((line) => line !== "" && line !== DONE && !line.startsWith("status "))
    expect({ failed, other }).toEqual({ failed: [], other: [] })
    // The receiver printed the published event's delivery, signed, and the test event's.
    expect(stdout).toMatch(/POST \/hooks\n[\s\S]*Datagrid-Signature: t=\d+,v1=[0-9a-f]{64}\n/)
    expect(stdout).toContain(`"id":"evt_7f3d8a2c","event_type":"batch_prediction.completed"`)
    expect(stdout).toContain(`"event_type":"webhook.test"`)
  }, 60_000)

  it("its SDK examples run as written", async () => {
    const examples = [
      ...codeBlocks("ts", section("### With the Datagrid SDK")),
      ...codeBlocks("ts", section("### With the Exa SDK"))
    ]
    expect(examples).toHaveLength(2)
    const appPort = new URL(app.baseUrl).port
    for (const example of examples) {
      const code = example.replaceAll("127.0.0.1:8080", `127.0.0.1:${appPort}`)
      // Run from this package, where the SDKs are installed, as the README says to run them.
      const run = spawn(process.execPath, ["--input-type=module", "-e", code], {
        cwd: new URL("..", import.meta.url),
        env: { ...process.env, KEY: KEY_ACME },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      run.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
      const status = await new Promise<number | null>((resolve) => run.on("close", resolve))
      expect({ status, stderr }).toEqual({ status: 0, stderr: "" })
    }
  }, 60_000)
})
