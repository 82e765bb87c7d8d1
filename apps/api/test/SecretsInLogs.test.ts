/**
 * No secret reaches a log line, at any level: every line the app writes from `debug` up, through a
 * walk that makes it log (deliveries failing and retried, a webhook disabled by a 410, a secret
 * rotated, requests refused for a wrong key, a publish with a bad body), is captured as the JSON
 * logger writes it, and none holds an API key, a signing secret (whole, or its key material
 * without the `whsec_` prefix), or an `Authorization` header's value.
 */
import { TestReceiver } from "@herald/testkit"
import { Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, KEY_GLOBEX, backends, type RunningApp, start } from "./support/Harness.js"

describe.each(backends)("log lines on %s", (backend) => {
  const lines: Array<string> = []
  let app: RunningApp
  let flaky: TestReceiver.RunningReceiver
  let gone: TestReceiver.RunningReceiver
  beforeAll(async () => {
    // What HERALD_LOG_FORMAT=json writes, kept here instead.
    app = await start({ backend, retrySchedule: [0, 50, 50], logger: Logger.map(Logger.jsonLogger, (line) => lines.push(line)) })
    flaky = await TestReceiver.start({ respond: (_, n) => TestReceiver.reply(n === 0 ? 500 : 200) })
    gone = await TestReceiver.start({ respond: () => TestReceiver.gone })
  })
  afterAll(async () => {
    await app.close()
    await flaky.close()
    await gone.close()
  })

  const call = async (key: string, method: string, path: string, body?: string) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body })
    })
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() as Record<string, unknown> }
  }

  it("holds no API key, signing secret or Authorization value, whatever was logged", async () => {
    const secrets = [KEY_ACME, KEY_GLOBEX]
    const created = await call(KEY_ACME, "POST", "/v1/webhooks", JSON.stringify({ url: flaky.url, events: ["batch_prediction.completed"] }))
    const doomed = await call(KEY_ACME, "POST", "/v1/webhooks", JSON.stringify({ url: gone.url, events: ["batch_prediction.completed"] }))
    expect([created.status, doomed.status]).toEqual([201, 201])
    secrets.push(String(created.body!["secret"]), String(doomed.body!["secret"]))
    const rotated = await call(KEY_ACME, "POST", `/v1/webhooks/${String(created.body!["id"])}/rotate-secret`, "{}")
    expect(rotated.status).toBeLessThan(300)
    secrets.push(String(rotated.body!["secret"]))
    expect((await call(KEY_ACME, "POST", "/v1/events", JSON.stringify({ event_type: "batch_prediction.completed", data: { n: 1 } }))).status)
      .toBe(202)
    // Refused: a wrong key, another teamspace's webhook, a body that is not JSON.
    expect((await call(`${KEY_ACME}x`, "GET", "/v1/webhooks")).status).toBe(401)
    expect((await call(KEY_GLOBEX, "GET", `/v1/webhooks/${String(created.body!["id"])}`)).status).toBe(404)
    expect((await call(KEY_ACME, "POST", "/v1/events", `{"event_type": "batch_prediction.completed", "data": ${secrets[2]}`)).status).toBe(400)
    // The flaky receiver's failure and retry, the 410 that disables the other webhook.
    for (let i = 0; i < 200 && (flaky.requests().length < 2 || gone.requests().length < 1); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect([flaky.requests().length, gone.requests().length]).toEqual([2, 1])
    await new Promise((resolve) => setTimeout(resolve, 200))

    // The walk made the app log, at several levels.
    expect(lines.length).toBeGreaterThan(5)
    const levels = new Set(lines.map((line) => (JSON.parse(line) as { readonly logLevel: string }).logLevel))
    expect([...levels]).toEqual(expect.arrayContaining(["DEBUG", "INFO", "WARN"]))
    const material = secrets.map((secret) => secret.replace(/^whsec_/, ""))
    for (const line of lines) {
      for (const secret of [...secrets, ...material]) expect(line).not.toContain(secret)
      expect(line.toLowerCase()).not.toContain("bearer")
    }
  }, 60_000)
})
