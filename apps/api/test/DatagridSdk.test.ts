/**
 * The official Datagrid SDK, unmodified, against the real embedded app.
 */
import Datagrid from "datagrid-ai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, KEY_GLOBEX, backends, type RunningApp, start } from "./support/Harness.js"

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  let acme: Datagrid
  let globex: Datagrid

  beforeAll(async () => {
    app = await start({ allowPrivateUrls: false, backend })
    // maxRetries 0: an unexpected 5xx must fail the test, not be retried away.
    acme = new Datagrid({ apiKey: KEY_ACME, baseURL: `${app.baseUrl}/v1`, teamspace: "acme", maxRetries: 0 })
    globex = new Datagrid({ apiKey: KEY_GLOBEX, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
  })
  afterAll(() => app.close())

  const url = "https://example.com/webhooks/datagrid"

  describe("datagrid-ai SDK against Herald", () => {
    it("creates a webhook and returns its secret once", async () => {
      const created = await acme.webhooks.create({ url, events: ["batch_prediction.completed", "batch_prediction.failed"] })
      expect(created).toMatchObject({
        object: "webhook",
        url,
        events: ["batch_prediction.completed", "batch_prediction.failed"],
        enabled: true
      })
      expect(created.id).toMatch(/^wh_[0-9A-Z]{26}$/)
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
      expect(Date.parse(created.created_at)).not.toBeNaN()
      expect(created.updated_at).toBe(created.created_at)

      const retrieved = await acme.webhooks.retrieve(created.id)
      expect(retrieved).toEqual({
        object: "webhook",
        id: created.id,
        url,
        events: created.events,
        enabled: true,
        created_at: created.created_at,
        updated_at: created.updated_at
      })
      expect(retrieved).not.toHaveProperty("secret")
    })

    it("updates url, events and enabled", async () => {
      const created = await acme.webhooks.create({ url, events: ["knowledge.processing.completed"] })
      const updated = await acme.webhooks.update(created.id, {
        url: "https://example.com/other",
        events: ["batch_prediction.expired", "batch_prediction.cancelled"],
        enabled: false
      })
      expect(updated).toMatchObject({
        id: created.id,
        url: "https://example.com/other",
        events: ["batch_prediction.expired", "batch_prediction.cancelled"],
        enabled: false
      })
      expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at))
      expect(await acme.webhooks.retrieve(created.id)).toEqual(updated)

      const partial = await acme.webhooks.update(created.id, { enabled: true })
      expect(partial).toMatchObject({ url: "https://example.com/other", enabled: true })

      // The SDK documents `update('webhook_id')`, which sends no body at all (its
      // types ask for one): every field is optional, so nothing changes.
      const untouched = await acme.webhooks.update(created.id, undefined as never)
      expect(untouched).toMatchObject({ url: "https://example.com/other", enabled: true, events: updated.events })
    })

    it("lists across pages with async iteration", async () => {
      const client = new Datagrid({ apiKey: KEY_GLOBEX, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
      const before = new Set<string>()
      for await (const webhook of client.webhooks.list()) before.add(webhook.id)
      const made: Array<string> = []
      for (let i = 0; i < 7; i++) {
        made.push((await globex.webhooks.create({ url: `https://example.com/hook/${i}`, events: ["batch_prediction.failed"] })).id)
      }
      const seen: Array<string> = []
      for await (const webhook of client.webhooks.list({ limit: 3 })) seen.push(webhook.id)
      expect(seen.filter((id) => !before.has(id))).toEqual(made)
      expect(new Set(seen).size).toBe(seen.length)

      const first = await client.webhooks.list({ limit: 3 })
      expect(first.data).toHaveLength(3)
      expect(first.next_cursor).toBe(first.data[2]?.id)
      expect(first.hasNextPage()).toBe(true)
    })

    it("lists the active webhooks for an event type", async () => {
      const on = await acme.webhooks.create({ url, events: ["batch_prediction.cancelled"] })
      const off = await acme.webhooks.create({ url, events: ["batch_prediction.cancelled"] })
      await acme.webhooks.update(off.id, { enabled: false })
      await globex.webhooks.create({ url, events: ["batch_prediction.cancelled"] })

      const active = await acme.webhooks.listActiveForEvent({ event_type: "batch_prediction.cancelled" })
      expect(active.object).toBe("list")
      const ids = active.data.map((webhook) => webhook.id)
      expect(ids).toContain(on.id)
      expect(ids).not.toContain(off.id)
      expect(active.data.every((webhook) => webhook.enabled && webhook.events.includes("batch_prediction.cancelled"))).toBe(true)
      const globexActive = await globex.webhooks.listActiveForEvent({ event_type: "batch_prediction.cancelled" })
      expect(globexActive.data.map((webhook) => webhook.id)).not.toContain(on.id)
    })

    it("deletes, after which the webhook is 404", async () => {
      const created = await acme.webhooks.create({ url, events: ["batch_prediction.completed"] })
      const response = await acme.webhooks.delete(created.id).asResponse()
      expect(response.status).toBe(204)
      expect(await response.text()).toBe("")
      await expect(acme.webhooks.retrieve(created.id)).rejects.toBeInstanceOf(Datagrid.NotFoundError)
      await expect(acme.webhooks.delete(created.id)).rejects.toBeInstanceOf(Datagrid.NotFoundError)
    })

    it("raises the SDK's error classes: 401, 403, 404 and 400", async () => {
      const anonymous = new Datagrid({ apiKey: "hk_wrong_key_0000000000000", baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
      await expect(anonymous.webhooks.list()).rejects.toBeInstanceOf(Datagrid.AuthenticationError)

      const elsewhere = new Datagrid({ apiKey: KEY_ACME, baseURL: `${app.baseUrl}/v1`, teamspace: "globex", maxRetries: 0 })
      await expect(elsewhere.webhooks.list()).rejects.toBeInstanceOf(Datagrid.PermissionDeniedError)

      const theirs = await globex.webhooks.create({ url, events: ["batch_prediction.completed"] })
      await expect(acme.webhooks.retrieve(theirs.id)).rejects.toBeInstanceOf(Datagrid.NotFoundError)
      await expect(acme.webhooks.update(theirs.id, { enabled: false })).rejects.toBeInstanceOf(Datagrid.NotFoundError)
      await expect(acme.webhooks.delete(theirs.id)).rejects.toBeInstanceOf(Datagrid.NotFoundError)
      expect((await globex.webhooks.retrieve(theirs.id)).enabled).toBe(true)

      const invalid = acme.webhooks.create({ url: "http://example.com/insecure", events: ["batch_prediction.completed"] })
      await expect(invalid).rejects.toBeInstanceOf(Datagrid.BadRequestError)
      await expect(invalid).rejects.toMatchObject({ status: 400, message: expect.stringContaining("url must use https") })

      const unknown = acme.webhooks.create({ url, events: ["nope.never" as "batch_prediction.completed"] })
      await expect(unknown).rejects.toMatchObject({ status: 400, message: expect.stringContaining("unknown event type") })
    })
  })
})
