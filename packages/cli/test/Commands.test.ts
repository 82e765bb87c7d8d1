import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Canned, runHerald, withKey } from "./support/FakeHerald.js"

const published = (deliveries: number, duplicate = false): Canned => ({
  status: 202,
  body: { object: "event", id: "evt_1", event_type: "order.created", created_at: "2026-01-01T00:00:00.000Z", duplicate, deliveries }
})

const eventType = (example: unknown): Canned => ({
  status: 200,
  body: {
    object: "event_type",
    name: "order.created",
    profile: "datagrid",
    description: "An order was placed",
    schema: null,
    example,
    archived: false,
    created_at: null,
    updated_at: null
  }
})

const webhook = {
  object: "webhook",
  id: "wh_1",
  url: "https://receiver.test/hook",
  events: ["order.created", "order.paid"],
  enabled: true,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z"
}

describe("herald trigger", () => {
  it("publishes --data given inline, with --id, and says how many deliveries it enqueued", async () => {
    const { code, stdout, requests } = await runHerald(["trigger", "order.created", "--data", '{"order":1}', "--id", "evt_1"], {
      env: withKey,
      routes: { "POST /v1/events": published(2) }
    })
    expect(code).toBe(0)
    expect(requests.map((r) => [r.method, r.url.pathname, r.body])).toEqual([
      ["POST", "/v1/events", { event_type: "order.created", data: { order: 1 }, id: "evt_1" }]
    ])
    expect(stdout).toBe("Published evt_1 (order.created): 2 deliveries enqueued.")
  })

  it("reads --data @file.json", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "herald-cli-")), "order.json")
    writeFileSync(file, '{"order": {"id": 7}}')
    const { code, requests } = await runHerald(["trigger", "order.created", "--data", `@${file}`], {
      env: withKey,
      routes: { "POST /v1/events": published(1) }
    })
    expect(code).toBe(0)
    expect(requests[0]?.body).toEqual({ event_type: "order.created", data: { order: { id: 7 } } })
  })

  it("without --data publishes the catalog's example", async () => {
    const { code, stderr, requests } = await runHerald(["trigger", "order.created"], {
      env: withKey,
      routes: { "GET /v1/event-types/order.created": eventType({ order: 42 }), "POST /v1/events": published(1) }
    })
    expect(code).toBe(0)
    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(["GET /v1/event-types/order.created", "POST /v1/events"])
    expect(requests[1]?.body).toEqual({ event_type: "order.created", data: { order: 42 } })
    expect(stderr).toBe("Publishing the datagrid catalog's example for order.created.")
  })

  it("without --data and without an example publishes {}, saying so", async () => {
    const { code, stdout, stderr, requests } = await runHerald(["trigger", "order.created", "--json"], {
      env: withKey,
      routes: { "GET /v1/event-types/order.created": eventType(null), "POST /v1/events": published(0) }
    })
    expect(code).toBe(0)
    expect(requests[1]?.body).toEqual({ event_type: "order.created", data: {} })
    expect(stderr).toBe("order.created has no example in the datagrid catalog: publishing {}.")
    expect(JSON.parse(stdout)).toEqual(published(0).body)
  })

  it("refuses --data that is not a JSON object, or not JSON, before sending anything (exit 2)", async () => {
    for (const [data, message] of [["[1,2]", "--data must be a JSON object"], ["{order", "--data is not valid JSON"], ["@/no/such/file.json", "--data: cannot read /no/such/file.json"]]) {
      const { code, stderr, requests } = await runHerald(["trigger", "order.created", "--data", data!], { env: withKey })
      expect(code).toBe(2)
      expect(stderr).toContain(message)
      expect(requests).toEqual([])
    }
  })

  it("says when the event id was published before", async () => {
    const { stdout } = await runHerald(["trigger", "order.created", "--data", "{}", "--id", "evt_1"], {
      env: withKey,
      routes: { "POST /v1/events": published(0, true) }
    })
    expect(stdout).toBe("evt_1 (order.created) was published before: nothing new was delivered.")
  })
})

describe("herald webhooks", () => {
  it("create: sends the URL and the events split at commas, prints the secret once and says so", async () => {
    const { code, stdout, requests } = await runHerald(
      ["--url", "http://herald.test:8000", "webhooks", "create", "--url", "https://receiver.test/hook", "--events", "order.created, order.paid", "--rate-limit", "5"],
      { env: withKey, routes: { "POST /v1/webhooks": { status: 201, body: { ...webhook, secret: "whsec_abc" } } } }
    )
    expect(code).toBe(0)
    // The --url before the subcommand is Herald's; the one after it, the webhook's.
    expect(requests[0]?.url.href).toBe("http://herald.test:8000/v1/webhooks")
    expect(requests[0]?.body).toEqual({ url: "https://receiver.test/hook", events: ["order.created", "order.paid"], rate_limit: 5 })
    expect(stdout.split("\n")).toEqual([
      "Created wh_1 -> https://receiver.test/hook for order.created, order.paid.",
      "Signing secret: whsec_abc",
      "The secret is shown once, here: keep it where your receiver can read it, to verify deliveries."
    ])
  })

  it("create: refuses --events without an event type (exit 2)", async () => {
    const { code, stderr } = await runHerald(["webhooks", "create", "--url", "https://r.test", "--events", " , "], { env: withKey })
    expect(code).toBe(2)
    expect(stderr).toContain("--events needs at least one event type")
  })

  it("list: a table, and --json the API's page as is", async () => {
    const page = { data: [webhook, { ...webhook, id: "wh_2", enabled: false, disabled_reason: "endpoint kept failing" }], next_cursor: "c2" }
    const routes = { "GET /v1/webhooks": { status: 200, body: page } }
    const human = await runHerald(["webhooks", "list", "--limit", "2"], { env: withKey, routes })
    expect(human.requests[0]?.url.search).toBe("?limit=2")
    expect(human.stdout.split("\n")).toEqual([
      "ID    URL                         EVENTS                    ENABLED",
      "wh_1  https://receiver.test/hook  order.created,order.paid  yes",
      "wh_2  https://receiver.test/hook  order.created,order.paid  no (endpoint kept failing)",
      "More: pass --cursor c2"
    ])
    const json = await runHerald(["webhooks", "list", "--json"], { env: withKey, routes })
    expect(JSON.parse(json.stdout)).toEqual(page)
  })

  it("delete: deletes by id; --json prints one document though the API answers 204", async () => {
    const { code, stdout, requests } = await runHerald(["webhooks", "delete", "wh_1", "--json"], {
      env: withKey,
      routes: { "DELETE /v1/webhooks/wh_1": { status: 204 } }
    })
    expect(code).toBe(0)
    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(["DELETE /v1/webhooks/wh_1"])
    expect(JSON.parse(stdout)).toEqual({ object: "webhook", id: "wh_1", deleted: true })
  })
})

describe("herald attempts, events get, redeliver", () => {
  it("attempts --failed asks for the failed ones only", async () => {
    const { code, stdout, requests } = await runHerald(["attempts", "wh_1", "--failed"], {
      env: withKey,
      routes: { "GET /v1/webhooks/wh_1/attempts": { status: 200, body: { data: [], next_cursor: null } } }
    })
    expect(code).toBe(0)
    expect(requests[0]?.url.searchParams.get("successful")).toBe("false")
    expect(stdout).toBe("No failed attempts.")
  })

  it("attempts prints what the receiver answered: the start of its body, or why there was no answer", async () => {
    const attempt = {
      object: "webhook_attempt",
      id: "att_1",
      webhook_id: "wh_1",
      event_id: "evt_1",
      event_type: "order.created",
      attempt: 1,
      url: "https://example.com/hooks",
      attempted_at: "2026-01-01T00:00:01.000Z",
      duration_ms: 12.4,
      response_headers: {},
      next_attempt_at: null
    }
    const { stdout } = await runHerald(["attempts", "wh_1"], {
      env: withKey,
      routes: {
        "GET /v1/webhooks/wh_1/attempts": {
          status: 200,
          body: {
            data: [
              { ...attempt, successful: false, response_status_code: 500, response_body: "boom:\n " + "x".repeat(100), failure: "http_status", failure_message: null },
              { ...attempt, id: "att_2", attempt: 2, successful: false, response_status_code: null, response_body: "", failure: "connection", failure_message: "connect ECONNREFUSED" }
            ],
            next_cursor: null
          }
        }
      }
    })
    const [header, first, second] = stdout.split("\n")
    expect(header).toMatch(/RESULT\s+MS\s+ANSWER$/)
    expect(first).toMatch(/failed 500\s+12\s+boom: x+\.\.\.$/)
    expect(first!.length - first!.indexOf("boom")).toBe(60)
    expect(second).toMatch(/failed \(connection\)\s+12\s+connect ECONNREFUSED$/)
  })

  it("events get prints the event and its deliveries", async () => {
    const { stdout } = await runHerald(["events", "get", "evt_1"], {
      env: withKey,
      routes: {
        "GET /v1/events/evt_1": {
          status: 200,
          body: {
            object: "event",
            id: "evt_1",
            event_type: "order.created",
            created_at: "2026-01-01T00:00:00.000Z",
            data: { order: 1 },
            deliveries: [{ webhook_id: "wh_1", status: "succeeded", attempts: 1, last_attempt_at: "2026-01-01T00:00:01.000Z", next_attempt_at: null }]
          }
        }
      }
    })
    expect(stdout.split("\n")).toEqual([
      "evt_1  order.created  created 2026-01-01T00:00:00.000Z",
      'data: {"order":1}',
      "WEBHOOK  STATUS     ATTEMPTS  LAST ATTEMPT              NEXT ATTEMPT",
      "wh_1     succeeded  1         2026-01-01T00:00:01.000Z  -"
    ])
  })

  it("redeliver sends the event again, to one webhook with --webhook", async () => {
    const { stdout, requests } = await runHerald(["redeliver", "evt_1", "--webhook", "wh_1"], {
      env: withKey,
      routes: { "POST /v1/events/evt_1/redeliver": { status: 202, body: { object: "requeued", deliveries: 1 } } }
    })
    expect(requests[0]?.body).toEqual({ webhook_id: "wh_1" })
    expect(stdout).toBe("Sent evt_1 again: 1 delivery requeued.")
  })
})
