/**
 * The example runs as its header says: the application's own route answers,
 * and through /webhooks-api a customer's key creates a webhook and publishes an
 * event, which reaches the customer's receiver signed with the webhook's secret
 * (checked with @herald/verify).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { verifyAndParse } from "@herald/verify"
import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { HeraldLive, issueKey, serve } from "../src/main.js"

const scope = Effect.runSync(Scope.make())
let origin: string
let key: string

beforeAll(async () => {
  const context = await Effect.runPromise(Layer.buildWithScope(HeraldLive, scope))
  ;[origin, key] = await Effect.runPromise(
    Effect.all([serve(0), issueKey("acme")]).pipe(Scope.extend(scope), Effect.provide(context))
  )
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

/** The customer's endpoint: the first delivery's body and signature header, as received. */
const receiver = async () => {
  let resolve: (delivery: { readonly payload: string; readonly header: string }) => void = () => {}
  const delivered = new Promise<{ readonly payload: string; readonly header: string }>((done) => (resolve = done))
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      response.writeHead(204).end()
      resolve({ payload: Buffer.concat(chunks).toString("utf8"), header: String(request.headers["datagrid-signature"]) })
    })
  })
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, delivered, close: () => server.close() }
}

const post = (path: string, body: unknown) =>
  fetch(`${origin}/webhooks-api${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body)
  })

it("keeps the application's own route", async () => {
  const response = await fetch(`${origin}/`)
  expect(response.status).toBe(200)
  expect(await response.text()).toContain("My application")
})

it("delivers an event published through /webhooks-api to a webhook created there, signed", async () => {
  const customer = await receiver()
  try {
    const created = await post("/v1/webhooks", { url: customer.url, events: ["batch_prediction.completed"] })
    expect(created.status).toBe(201)
    const { secret } = (await created.json()) as { readonly secret: string }
    const published = await post("/v1/events", {
      id: "evt_mounted_example",
      event_type: "batch_prediction.completed",
      data: { object: "batch_prediction", id: "bpred_1", status: "completed" }
    })
    expect(published.status).toBe(202)
    const { payload, header } = await customer.delivered
    expect(verifyAndParse({ payload, header, secret })).toMatchObject({
      id: "evt_mounted_example",
      event_type: "batch_prediction.completed",
      data: { status: "completed" }
    })
  } finally {
    customer.close()
  }
})

it("refuses a request without the customer's key, in Datagrid's error shape", async () => {
  const response = await fetch(`${origin}/webhooks-api/v1/webhooks`)
  expect(response.status).toBe(401)
  expect(await response.json()).toMatchObject({ status_code: 401, error: "unauthorized" })
})
