/**
 * Event types as data, through the real app on every backend: each teamspace's
 * catalog is the configured lists with its own definitions over them; a
 * registered type may be subscribed to and published; a schema refuses data
 * that does not match, naming the mismatches; archiving stops new
 * subscriptions and publishes while subscribed webhooks keep the type; one
 * teamspace's types never reach another.
 */
import type { ApiKeys, Ids } from "@herald/core"
import * as Profiles from "@herald/http/Profiles"
import { eventTypeExamples as digaExamples } from "@herald/http/profiles/diga/EventTypes"
import { TestReceiver } from "@herald/testkit"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

const KEY_ACME_READ = "hk_test_acme_read_0123456789abcdef"

const ORDER_SCHEMA = {
  type: "object",
  required: ["order_id", "amount"],
  properties: {
    order_id: { type: "string" },
    amount: { type: "integer", minimum: 0 },
    lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } }
  }
}

interface Answer<T = Record<string, unknown>> {
  readonly status: number
  readonly body: T
}

interface EventTypeView {
  readonly object: string
  readonly name: string
  readonly profile: string
  readonly description: string
  readonly schema: unknown
  readonly example: unknown
  readonly archived: boolean
  readonly created_at: string | null
  readonly updated_at: string | null
}

interface ErrorBody {
  readonly message: string
  readonly details?: ReadonlyArray<{ readonly field: string; readonly message: string }>
}

describe.each(backends)("event types on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  // A name per run: the Redis and PostgreSQL stores are the test's own, but memory's is too; unique anyway.
  const unique = `t${Date.now().toString(36)}`

  beforeAll(async () => {
    app = await start({
      backend,
      apiKeys: [[Redacted.make(KEY_ACME_READ), "acme" as Ids.TeamspaceId, ["read"]] satisfies ApiKeys.SeedKey]
    })
    receiver = await TestReceiver.start()
  })
  afterAll(async () => {
    await receiver?.close()
    await app?.close()
  })

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, key = KEY_ACME) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T } satisfies Answer<T>
  }

  const listAll = async (query: string, key = KEY_ACME) => {
    const names: Array<string> = []
    let cursor: string | null = null
    do {
      const page: Answer<{ data: ReadonlyArray<EventTypeView>; next_cursor: string | null }> = await call(
        "GET",
        `/v1/event-types?${query}&limit=2${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
        undefined,
        key
      )
      expect(page.status).toBe(200)
      names.push(...page.body.data.map((type) => `${type.profile}:${type.name}`))
      cursor = page.body.next_cursor
    } while (cursor !== null)
    return names
  }

  it("lists the configured types of each profile, page by page, with no times", async () => {
    const datagrid = await call<{ data: ReadonlyArray<EventTypeView> }>("GET", "/v1/event-types?profile=datagrid&limit=100")
    expect(datagrid.status).toBe(200)
    expect(datagrid.body.data.map((type) => type.name)).toEqual([
      "batch_prediction.cancelled",
      "batch_prediction.completed",
      "batch_prediction.expired",
      "batch_prediction.failed",
      "knowledge.processing.completed"
    ])
    expect(datagrid.body.data[0]).toEqual({
      object: "event_type",
      name: "batch_prediction.cancelled",
      profile: "datagrid",
      // Configured types come described by their profile, with its example of their data.
      description: "A batch prediction was cancelled.",
      schema: null,
      example: {
        object: "batch_prediction",
        id: "bpred_01JEXAMPLE5T7V9W1X3Y5Z7A9",
        status: "cancelled",
        results_url: "/v1/batch-predictions/bpred_01JEXAMPLE5T7V9W1X3Y5Z7A9/results"
      },
      archived: false,
      created_at: null,
      updated_at: null
    })
    // Every profile's, the default first, walked two at a time.
    const all = await listAll("")
    expect(all.slice(0, 5)).toEqual(datagrid.body.data.map((type) => `datagrid:${type.name}`))
    expect(all.filter((name) => name.startsWith("exa:"))).toHaveLength(19)
    expect(all.at(-1)).toBe("diga:status_changed")
  })

  it("reads every configured type with its profile's example", async () => {
    for (const profile of Profiles.all) {
      for (const name of profile.eventTypes) {
        const read = await call<EventTypeView>("GET", `/v1/event-types/${name}?profile=${profile.name}`, undefined, KEY_GLOBEX)
        expect(read.status).toBe(200)
        expect(read.body.example, `${profile.name} ${name}`).not.toBeNull()
        expect(read.body.example, `${profile.name} ${name}`).toEqual(profile.eventTypeExamples?.[name])
      }
    }
  })

  it("registers a type with a schema: it may be subscribed to and published, and data that does not match is refused", async () => {
    const name = `${unique}.order.paid`
    const created = await call<EventTypeView>("POST", "/v1/event-types", {
      name,
      description: "An order was paid ✓",
      schema: ORDER_SCHEMA,
      example: { order_id: "o_1", amount: 1200 }
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      object: "event_type",
      name,
      profile: "datagrid",
      description: "An order was paid ✓",
      schema: ORDER_SCHEMA,
      example: { order_id: "o_1", amount: 1200 },
      archived: false
    })
    expect(created.body.created_at).not.toBeNull()
    expect((await call("GET", `/v1/event-types/${name}`)).body).toEqual(created.body)

    const webhook = await call<{ id: string }>("POST", "/v1/webhooks", { url: receiver.url, events: [name] })
    expect(webhook.status).toBe(201)

    const refused = await call<ErrorBody>("POST", "/v1/events", {
      event_type: name,
      data: { order_id: 7, amount: 1.5, lines: [{ sku: 3 }] }
    })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain("data.order_id must be string")
    expect(refused.body.message).toContain("data.amount must be integer")
    expect(refused.body.message).toContain("data.lines[0].sku must be string")
    const missing = await call<ErrorBody>("POST", "/v1/events", { event_type: name, data: { order_id: "o_2" } })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toContain("data.amount is required")

    const published = await call("POST", "/v1/events", { event_type: name, data: { order_id: "o_3", amount: 5 } })
    expect(published.status).toBe(202)
    const [delivery] = await receiver.awaitRequests(1)
    expect(JSON.parse(delivery!.body)).toMatchObject({ event_type: name, data: { order_id: "o_3", amount: 5 } })
    expect(receiver.requests()).toHaveLength(1)

    expect((await call("POST", "/v1/event-types", { name })).status).toBe(409)
    expect((await call("DELETE", `/v1/webhooks/${webhook.body.id}`)).status).toBe(204)
  })

  it("keeps one teamspace's types from another", async () => {
    const name = `${unique}.acme.only`
    expect((await call("POST", "/v1/event-types", { name })).status).toBe(201)
    expect((await call("GET", `/v1/event-types/${name}`, undefined, KEY_GLOBEX)).status).toBe(404)
    expect(await listAll("profile=datagrid", KEY_GLOBEX)).not.toContain(`datagrid:${name}`)
    const subscribe = await call<ErrorBody>("POST", "/v1/webhooks", { url: receiver.url, events: [name] }, KEY_GLOBEX)
    expect(subscribe.status).toBe(400)
    expect(subscribe.body.message).toContain("unknown event type")
    expect((await call("POST", "/v1/events", { event_type: name, data: {} }, KEY_GLOBEX)).status).toBe(400)
  })

  it("archives a type: no new subscription or publish, while a subscribed webhook keeps it; registering it again restores it", async () => {
    const name = `${unique}.shipment.sent`
    expect((await call("POST", "/v1/event-types", { name, profile: "exa" })).status).toBe(201)
    // Subscribed through the Exa profile, which authenticates with x-api-key.
    const response = await fetch(`${app.baseUrl}/websets/v0/webhooks`, {
      method: "POST",
      headers: { "x-api-key": KEY_ACME, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url, events: [name] })
    })
    expect(response.status).toBe(200)
    const webhook = (await response.json()) as { id: string }
    expect((await call("DELETE", `/v1/event-types/${name}?profile=exa`)).status).toBe(204)
    // Idempotent: archiving it again changes nothing.
    expect((await call("DELETE", `/v1/event-types/${name}?profile=exa`)).status).toBe(204)

    const archived = await call<EventTypeView>("GET", `/v1/event-types/${name}?profile=exa`)
    expect(archived.body.archived).toBe(true)
    expect(await listAll("profile=exa")).not.toContain(`exa:${name}`)
    expect(await listAll("profile=exa&include_archived=true")).toContain(`exa:${name}`)

    const publish = await call<ErrorBody>("POST", "/v1/events", { event_type: name, data: {} })
    expect(publish.status).toBe(400)
    expect(publish.body.message).toContain(`event type "${name}" is archived`)
    const subscribe = await call<ErrorBody>("PATCH", `/v1/webhooks/${webhook.id}`, { events: ["webset.created"] })
    expect(subscribe.status).toBe(200)
    const again = await call<ErrorBody>("PATCH", `/v1/webhooks/${webhook.id}`, { events: [name] })
    expect(again.status).toBe(400)
    expect(again.body.message).toContain("is archived")
    expect((await call("PATCH", `/v1/webhooks/${webhook.id}`, { events: [name] }, KEY_ACME)).status).toBe(400)
    // Restored to the webhook's list for what follows: as if it had kept it.
    expect((await call("PATCH", `/v1/event-types/${name}?profile=exa`, { archived: false })).status).toBe(200)
    expect((await call("PATCH", `/v1/webhooks/${webhook.id}`, { events: [name] })).status).toBe(200)
    expect((await call("DELETE", `/v1/event-types/${name}?profile=exa`)).status).toBe(204)
    // The webhook keeps it, and may be changed with it still in its list.
    const kept = await call<{ events: ReadonlyArray<string> }>("GET", `/v1/webhooks/${webhook.id}`)
    expect(kept.body.events).toEqual([name])
    const patched = await call<{ events: ReadonlyArray<string> }>("PATCH", `/v1/webhooks/${webhook.id}`, {
      events: [name, "webset.created"]
    })
    expect(patched.status).toBe(200)
    expect(patched.body.events).toEqual([name, "webset.created"])

    const restored = await call<EventTypeView>("POST", "/v1/event-types", { name, profile: "exa", description: "back" })
    expect(restored.status).toBe(201)
    expect(restored.body).toMatchObject({ archived: false, description: "back" })
    expect((await call("POST", "/v1/events", { event_type: name, data: {} })).status).toBe(202)
    expect((await call("DELETE", `/v1/webhooks/${webhook.id}`)).status).toBe(204)
  })

  it("describes, gives a schema to and archives a configured type in one teamspace only", async () => {
    const changed = await call<EventTypeView>("PATCH", "/v1/event-types/status_changed?profile=diga", {
      description: "A run's status changed",
      schema: { type: "object", required: ["status"] }
    })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({ profile: "diga", description: "A run's status changed", archived: false })
    const refused = await call<ErrorBody>("POST", "/v1/events", { event_type: "status_changed", data: {} })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain("data.status is required")
    // Globex's catalog still has the configured type as configured.
    const globex = await call<EventTypeView>("GET", "/v1/event-types/status_changed?profile=diga", undefined, KEY_GLOBEX)
    expect(globex.body).toMatchObject({ description: "A resource's status changed.", schema: null, created_at: null })
    // The profile's example stays until the teamspace gives its own, then theirs is the one read.
    expect(changed.body.example).toEqual(globex.body.example)
    const example = { id: "00000000-0000-4000-8000-0000000000a1", status: "failed" }
    expect((await call<EventTypeView>("PATCH", "/v1/event-types/status_changed?profile=diga", { example })).body.example).toEqual(example)
    expect((await call<EventTypeView>("GET", "/v1/event-types/status_changed?profile=diga")).body.example).toEqual(example)
    expect((await call<EventTypeView>("GET", "/v1/event-types/status_changed?profile=diga", undefined, KEY_GLOBEX)).body.example)
      .toEqual(digaExamples.status_changed)
    expect((await call("POST", "/v1/events", { event_type: "status_changed", data: {} }, KEY_GLOBEX)).status).toBe(202)
    // Removing the schema again.
    expect((await call("PATCH", "/v1/event-types/status_changed?profile=diga", { schema: null })).status).toBe(200)
    // A schema the profile's example does not match is refused, unless the same request replaces the example.
    const schema = { type: "object", required: ["monitor_id"] }
    const mismatched = await call<ErrorBody>("PATCH", "/v1/event-types/monitor.deleted?profile=exa", { schema })
    expect(mismatched.status).toBe(400)
    expect(mismatched.body.message).toContain("example.monitor_id is required")
    expect((await call("PATCH", "/v1/event-types/monitor.deleted?profile=exa", { schema, example: null })).status).toBe(200)
    expect((await call("PATCH", "/v1/event-types/monitor.deleted?profile=exa", { schema: null })).status).toBe(200)
    expect((await call("POST", "/v1/events", { event_type: "status_changed", data: {} })).status).toBe(202)
  })

  it("refuses a bad registration, naming the field as sent and what is accepted", async () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ name: "Order.Paid" }, "name must be lowercase words joined by dots"],
      [{ name: "webhook.test" }, "reserved for test deliveries"],
      [{ name: `${unique}.a`, profile: "stripe" }, "profile must be one of datagrid, exa, diga"],
      [{ name: `${unique}.b`, description: "x".repeat(1_001) }, "description must be at most 1000 characters"],
      [{ name: `${unique}.c`, schema: [1] }, "schema must be a JSON Schema"],
      [{ name: `${unique}.d`, schema: { type: "object", properties: { a: { type: "strnig" } } } }, "schema.properties.a.type"],
      [{ name: `${unique}.e`, schema: { type: "object", requried: ["a"] } }, "requried"],
      [{ name: `${unique}.f`, schema: ORDER_SCHEMA, example: { order_id: "o", amount: -1 } }, "example.amount must be >= 0"],
      [{ name: `${unique}.g`, schema: { $ref: "https://example.com/s.json" } }, "can't resolve reference"],
      [{ name: `${unique}.h`, schma: {} }, "schma"],
      [{ name: `${unique}.i`, example: { big: "x".repeat(20_000) } }, "example must be at most 16384 bytes"]
    ]
    for (const [body, expected] of cases) {
      const answer = await call<ErrorBody>("POST", "/v1/event-types", body)
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(answer.body.message, JSON.stringify(body).slice(0, 80)).toContain(expected)
      expect(JSON.stringify(answer.body).length).toBeLessThan(4_096)
    }
    expect((await call<ErrorBody>("GET", "/v1/event-types?cursor=nope")).body.message).toContain("cursor must be a cursor")
    expect((await call("GET", `/v1/event-types/${unique}.never`)).status).toBe(404)
    expect((await call("PATCH", `/v1/event-types/${unique}.never`, { description: "x" })).status).toBe(404)
  })

  it("lets a read-only key list the catalog but not change it", async () => {
    expect((await call("GET", "/v1/event-types", undefined, KEY_ACME_READ)).status).toBe(200)
    const refused = await call<ErrorBody>("POST", "/v1/event-types", { name: `${unique}.read.only` }, KEY_ACME_READ)
    expect(refused.status).toBe(403)
    expect(refused.body.message).toContain("webhooks:write")
  })
})
