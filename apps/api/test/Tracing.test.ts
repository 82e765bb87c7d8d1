/**
 * Spans: with a tracer installed around the app, each request is an HTTP server
 * span and each delivery a `Dispatcher.deliver` span; without one, none is
 * opened (Effect's native tracer would keep them nowhere, at a cost).
 */
import { RecordingTracer, TestReceiver } from "@herald/testkit"
import { afterEach, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

describe("tracing", () => {
  const running: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    for (const item of running.splice(0)) await item.close()
  })

  const publishOne = async (app: RunningApp) => {
    const target = await TestReceiver.start()
    running.push(target)
    const headers = { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" }
    const created = await fetch(`${app.baseUrl}/v1/webhooks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: target.url, events: ["batch_prediction.completed"] })
    })
    expect(created.status).toBe(201)
    const published = await fetch(`${app.baseUrl}/v1/events`, {
      method: "POST",
      headers,
      body: JSON.stringify({ event_type: "batch_prediction.completed", data: { n: 1 } })
    })
    expect(published.status).toBe(202)
    await target.awaitRequests(1)
  }

  it.each([
    ["on Herald's own server", undefined],
    ["mounted in an application's server", "/webhooks-api"]
  ])("with a tracer installed, requests and deliveries are spans (%s)", async (_, mount) => {
    const { names, tracer } = RecordingTracer.make()
    const app = await start({ tracer, ...(mount === undefined ? {} : { mount }) })
    running.push(app)
    await publishOne(app)
    expect(names.filter((name) => name === "http.server POST")).toHaveLength(2)
    await expect.poll(() => names.filter((name) => name === "Dispatcher.deliver").length).toBe(1)
  })
})
