/**
 * Spans: with a tracer installed around the app, each request is an HTTP server
 * span and each delivery a `Dispatcher.deliver` span; without one, none is
 * opened (Effect's native tracer would keep them nowhere, at a cost).
 *
 * With OpenTelemetry's tracer (what `OTEL_EXPORTER_OTLP_ENDPOINT` installs, here over an in-memory
 * exporter), a publish and its deliveries are one trace on every backend: the publish request's
 * server span, `Publisher.publish` its child, and each attempt's `Dispatcher.deliver` a child of
 * that, its parent carried by the job through the queue (BullMQ's job data on Redis), with the
 * attempt's status and duration as attributes.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { RecordingTracer, TestReceiver } from "@herald/testkit"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

/**
 * Subscribes a receiver (answering as `respond` says; 200 by default) and publishes one event to it;
 * returns the event's id once the receiver has had `requests` requests.
 */
const publishOne = async (
  app: RunningApp,
  running: Array<{ close: () => Promise<void> }>,
  options: { readonly respond?: TestReceiver.Responder; readonly requests?: number } = {}
) => {
  const target = await TestReceiver.start(options.respond === undefined ? {} : { respond: options.respond })
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
  const { id } = await published.json() as { readonly id: string }
  await target.awaitRequests(options.requests ?? 1)
  return id
}

describe("tracing", () => {
  const running: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    for (const item of running.splice(0)) await item.close()
  })

  it.each([
    ["on Herald's own server", undefined],
    ["mounted in an application's server", "/webhooks-api"]
  ])("with a tracer installed, requests and deliveries are spans (%s)", async (_, mount) => {
    const { names, tracer } = RecordingTracer.make()
    const app = await start({ tracer, ...(mount === undefined ? {} : { mount }) })
    running.push(app)
    await publishOne(app, running)
    expect(names.filter((name) => name === "http.server POST")).toHaveLength(2)
    await expect.poll(() => names.filter((name) => name === "Dispatcher.deliver").length).toBe(1)
  })
})

describe.each(backends)("a publish and its deliveries are one trace (OpenTelemetry, %s)", (backend) => {
  const running: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    for (const item of running.splice(0)) await item.close()
  })

  it("publish request -> Publisher.publish -> each attempt's Dispatcher.deliver, with its status as attributes", async () => {
    const exporter = new InMemorySpanExporter()
    const tracing = Layer.discard(NodeSdk.layer(() => ({
      spanProcessor: new SimpleSpanProcessor(exporter),
      resource: { serviceName: "herald-test" }
    })))
    const app = await start({ backend, tracing, retrySchedule: [0, 100] })
    running.push(app)
    // The first attempt fails (500), the retry succeeds.
    const eventId = await publishOne(app, running, {
      respond: (_, index) => TestReceiver.reply(index === 0 ? 500 : 200),
      requests: 2
    })

    const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name)
    await expect.poll(() => named("Dispatcher.deliver").length).toBe(2)
    const [publish] = named("Publisher.publish")
    const request = exporter.getFinishedSpans().find((span: ReadableSpan) =>
      span.spanContext().spanId === publish?.parentSpanContext?.spanId
    )
    expect(request?.name).toBe("http.server POST")
    expect(publish!.attributes["herald.event_id"]).toBe(eventId)
    const trace = publish!.spanContext().traceId
    const attempts = named("Dispatcher.deliver")
      .map((span) => ({
        trace: span.spanContext().traceId,
        parent: span.parentSpanContext?.spanId,
        event: span.attributes["herald.event_id"],
        attempt: span.attributes["herald.attempt"],
        status: span.attributes["http.response.status_code"],
        failure: span.attributes["herald.failure_kind"],
        timed: typeof span.attributes["herald.duration_ms"] === "number"
      }))
      .sort((a, b) => Number(a.attempt) - Number(b.attempt))
    const parent = publish!.spanContext().spanId
    expect(attempts).toEqual([
      { trace, parent, event: eventId, attempt: 1, status: 500, failure: "http_status", timed: true },
      { trace, parent, event: eventId, attempt: 2, status: 200, failure: undefined, timed: true }
    ])
  }, 30_000)
})
