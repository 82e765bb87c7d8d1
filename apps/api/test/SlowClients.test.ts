/**
 * A client that stalls cannot hold a connection: headers that never end and a
 * body that stops (short of its Content-Length, or a chunked one) are answered
 * 408, then the connection closed, once `HERALD_HEADERS_TIMEOUT` or
 * `HERALD_REQUEST_TIMEOUT` passes, while a slow request that keeps coming and
 * finishes in time is served, and so is a request whose handler takes longer
 * than `HERALD_REQUEST_TIMEOUT` (only receiving the request is timed). Raw
 * sockets, so the bytes go out as written.
 */
import { connect, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const HEADERS_MS = 1_000
const REQUEST_MS = 2_000
/** Generous: the point is seconds, not Node's default minutes. */
const SLACK_MS = 4_000

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

interface Outcome {
  /** The status line, if the server answered before closing. */
  readonly statusLine: string | undefined
  readonly elapsedMs: number
}

/** Opens a connection, writes `pieces` (waiting `gapMs` between them), then waits for the server to answer and close. */
const converse = (app: RunningApp, pieces: ReadonlyArray<string>, gapMs = 0) =>
  new Promise<Outcome>((resolve, reject) => {
    const { port } = new URL(app.baseUrl)
    const started = Date.now()
    const socket: Socket = connect(Number(port), "127.0.0.1")
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => (received += chunk))
    socket.on("error", () => undefined)
    socket.on("close", () => {
      clearTimeout(guard)
      resolve({ statusLine: received === "" ? undefined : received.split("\r\n")[0], elapsedMs: Date.now() - started })
    })
    const guard = setTimeout(() => {
      socket.destroy()
      reject(new Error(`still open after ${REQUEST_MS + SLACK_MS} ms; received ${JSON.stringify(received.slice(0, 200))}`))
    }, REQUEST_MS + SLACK_MS)
    socket.once("connect", async () => {
      for (const [index, piece] of pieces.entries()) {
        if (index > 0) await sleep(gapMs)
        socket.write(piece)
      }
    })
  })

const publishHead = (headers: string) =>
  `POST /v1/events HTTP/1.1\r\nHost: herald.test\r\nAuthorization: Bearer ${KEY_ACME}\r\n` +
  `Content-Type: application/json\r\nConnection: close\r\n${headers}\r\n`

const EVENT = JSON.stringify({ event_type: "batch_prediction.completed", data: { slow: true } })

describe("slow clients", () => {
  let app: RunningApp
  beforeAll(async () => {
    // Private URLs refused, so that creating a webhook resolves its host.
    app = await start({ allowPrivateUrls: false, timeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS } })
  })
  afterAll(() => app.close())

  it("headers that never end are cut off with a 408 after HERALD_HEADERS_TIMEOUT", async () => {
    const outcome = await converse(app, [`GET /healthz HTTP/1.1\r\nHost: herald.test\r\nX-Slow: `])
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 408 /)
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(HEADERS_MS - 100)
    expect(outcome.elapsedMs).toBeLessThan(HEADERS_MS + SLACK_MS)
  })

  it("a body short of its Content-Length is cut off with a 408 after HERALD_REQUEST_TIMEOUT", async () => {
    const outcome = await converse(app, [publishHead(`Content-Length: ${EVENT.length + 100}\r\n`) + EVENT])
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 408 /)
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS - 100)
    expect(outcome.elapsedMs).toBeLessThan(REQUEST_MS + SLACK_MS)
  })

  it("a chunked body that stops is cut off with a 408 after HERALD_REQUEST_TIMEOUT", async () => {
    const half = EVENT.slice(0, 20)
    const outcome = await converse(app, [
      publishHead("Transfer-Encoding: chunked\r\n") + `${half.length.toString(16)}\r\n${half}\r\n`
    ])
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 408 /)
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS - 100)
    expect(outcome.elapsedMs).toBeLessThan(REQUEST_MS + SLACK_MS)
  })

  it("a slow request that keeps coming and finishes in time is served", async () => {
    const head = publishHead(`Content-Length: ${EVENT.length}\r\n`)
    const cut = (text: string, parts: number) =>
      Array.from({ length: parts }, (_, i) => text.slice(Math.floor((i * text.length) / parts), Math.floor(((i + 1) * text.length) / parts)))
    // Headers over about 0.4 s, the body over about 0.6 s more: within both timeouts.
    const outcome = await converse(app, [...cut(head, 3), ...cut(EVENT, 4)], 150)
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 202/)
  })

  it("a request sent at once whose handler takes longer than HERALD_REQUEST_TIMEOUT is answered", async () => {
    // Creating a webhook resolves its host, which the tests' DNS delays by the name's first label.
    const handlerMs = REQUEST_MS + 1_000
    const body = JSON.stringify({ url: `https://${handlerMs}.slow.test/hooks`, events: ["batch_prediction.completed"] })
    const head = `POST /v1/webhooks HTTP/1.1\r\nHost: herald.test\r\nAuthorization: Bearer ${KEY_ACME}\r\n` +
      `Content-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`
    const outcome = await converse(app, [head + body])
    expect(outcome.statusLine).toMatch(/^HTTP\/1\.1 201 /)
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(handlerMs)
  })
})

describe("stopping with connections open", () => {
  it("ends a connection on which no request ever came, so it does not hold the stop up", async () => {
    const app = await start()
    const { port } = new URL(app.baseUrl)
    // As a browser does: a connection opened ahead of need, on which it sends nothing.
    const unused = connect(Number(port), "127.0.0.1")
    unused.on("error", () => undefined)
    await new Promise<void>((resolve) => unused.once("connect", () => resolve()))
    const ended = new Promise<void>((resolve) => unused.once("close", () => resolve()))
    let guard: ReturnType<typeof setTimeout> | undefined
    const stuck = new Promise<string>((resolve) => {
      guard = setTimeout(() => resolve("the stop waited for the unused connection"), 20_000)
    })
    const outcome = await Promise.race([app.close().then(() => "stopped"), stuck])
    clearTimeout(guard)
    unused.destroy()
    expect(outcome).toBe("stopped")
    await ended
  }, 30_000)
})
