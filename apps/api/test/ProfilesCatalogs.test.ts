/**
 * Each profile's event catalog is its seed's list unless configuration replaces
 * it (`HERALD_EVENT_TYPES_DATAGRID`, `_EXA`, `_DIGA`); subscribing and
 * publishing follow the configured lists.
 */
import { EventType as Catalog } from "@herald/core"
import * as Profiles from "@herald/http/Profiles"
import * as Datagrid from "@herald/http/profiles/datagrid/EventTypes"
import { Environment } from "@herald/runtime"
import { TestReceiver } from "@herald/testkit"
import { ConfigProvider, Effect, Either } from "effect"
import { EventType, Exa } from "exa-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(Environment.eventTypes(Profiles.all), ConfigProvider.fromMap(new Map(Object.entries(env))))))

const defaults = Catalog.defaultCatalogs(Profiles.all)

describe("event catalogs from the environment", () => {
  it("are the seeds' lists by default: Datagrid's 5, Exa's 19 (as exa-js knows them), Diga's 1", () => {
    expect(read({})).toEqual(Either.right(defaults))
    expect(defaults.datagrid).toEqual([
      "knowledge.processing.completed",
      "batch_prediction.completed",
      "batch_prediction.failed",
      "batch_prediction.expired",
      "batch_prediction.cancelled"
    ])
    expect([...(defaults.exa ?? [])].sort()).toEqual(Object.values(EventType).sort())
    expect(defaults.exa).toHaveLength(19)
    expect(defaults.diga).toEqual(["status_changed"])
  })

  it("replace one profile's list, leaving the others", () => {
    expect(read({ HERALD_EVENT_TYPES_EXA: " webset.created, custom.thing_done ,," })).toEqual(Either.right({
      ...defaults,
      exa: ["webset.created", "custom.thing_done"]
    }))
  })

  it("are part of the process settings", () => {
    const settings = Effect.runSync(
      Effect.withConfigProvider(Environment.settings, ConfigProvider.fromMap(new Map([["HERALD_EVENT_TYPES_DIGA", "a.b"]])))
    )
    expect(settings.eventTypes).toEqual({ ...defaults, diga: ["a.b"] })
  })

  it.each([
    ["HERALD_EVENT_TYPES_DATAGRID", "", "at least one event type"],
    ["HERALD_EVENT_TYPES_EXA", "Webset.Created", "is not an event type"],
    ["HERALD_EVENT_TYPES_EXA", "a.b,a.b", "listed twice"],
    ["HERALD_EVENT_TYPES_DIGA", "webhook.test", "reserved"]
  ])("refuse a bad %s=%j, naming the variable", (name, value, reason) => {
    const result = read({ [name]: value })
    expect(Either.isLeft(result)).toBe(true)
    const message = String(Either.isLeft(result) ? result.left : "")
    expect(message).toContain(name)
    expect(message).toContain(reason)
  })
})

describe("configured catalogs in the running app", () => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  beforeAll(async () => {
    app = await start({
      eventTypes: {
        datagrid: Datagrid.eventTypes,
        exa: ["webset.created", "custom.thing_done"],
        diga: ["status_changed", "batch_prediction.completed"]
      }
    })
    receiver = await TestReceiver.start()
  })
  afterAll(async () => {
    await receiver.close()
    await app.close()
  })

  const http = async (key: string, method: string, path: string, body: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: JSON.parse(await response.text()) }
  }

  it("subscribes to the configured types only", async () => {
    const exa = new Exa(KEY_GLOBEX, app.baseUrl)
    const custom = await exa.websets.webhooks.create({ url: `${receiver.url}/exa`, events: ["custom.thing_done" as EventType] })
    expect(custom.events).toEqual(["custom.thing_done"])
    await expect(exa.websets.webhooks.create({ url: `${receiver.url}/exa`, events: [EventType.webset_idle] }))
      .rejects.toMatchObject({
        statusCode: 400,
        message: "unknown event type \"webset.idle\": accepted are webset.created, custom.thing_done (set by HERALD_EVENT_TYPES_EXA, or the eventTypes setting; register more with POST /v1/event-types)"
      })

    const diga = await http(KEY_ACME, "POST", "/v1/webhook/", { url: `${receiver.url}/diga`, subscribed_events: ["batch_prediction.completed"] })
    expect(diga.status).toBe(200)
  })

  it("publishes the configured types only, to every profile that lists them", async () => {
    expect((await http(KEY_GLOBEX, "POST", "/v1/events", { event_type: "custom.thing_done", data: {} })).status).toBe(202)
    const refused = await http(KEY_GLOBEX, "POST", "/v1/events", { event_type: "webset.idle", data: {} })
    expect(refused.status).toBe(400)
    // Publishing takes every profile's types: the configured ones are listed, and every variable named.
    expect(refused.body.message).toBe(
      `unknown event type "webset.idle": accepted are ${Datagrid.eventTypes.join(", ")}, webset.created, custom.thing_done, status_changed (set by HERALD_EVENT_TYPES_DATAGRID, HERALD_EVENT_TYPES_EXA, HERALD_EVENT_TYPES_DIGA, or the eventTypes setting; register more with POST /v1/event-types)`
    )

    // acme has a Diga webhook (from the test before) and now a Datagrid one on the same type.
    const datagrid = await http(KEY_ACME, "POST", "/v1/webhooks", { url: `${receiver.url}/datagrid`, events: ["batch_prediction.completed"] })
    expect(datagrid.status).toBe(201)
    receiver.clear()
    const published = await http(KEY_ACME, "POST", "/v1/events", { event_type: "batch_prediction.completed", data: { n: 1 } })
    expect(published.body.deliveries).toBe(2)
    const requests = await receiver.awaitRequests(2)
    const byPath = Object.fromEntries(requests.map((request) => [request.path, JSON.parse(request.body)]))
    expect(byPath["/datagrid"]).toMatchObject({ event_type: "batch_prediction.completed", data: { n: 1 } })
    expect(byPath["/diga"]).toMatchObject({ event: "batch_prediction.completed", data: { n: 1 } })
  })
})
