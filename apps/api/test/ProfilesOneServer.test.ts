/**
 * The three profiles in one server at once, each teamspace through its own
 * client: the Datagrid SDK for acme, exa-js for globex, raw HTTP for Diga's
 * initech. Each teamspace's events reach only its own webhooks, each delivered
 * in the envelope and signature of the profile the webhook was created through.
 */
import type { Ids } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { verifySignature, verifyStandardWebhook } from "@herald/verify"
import Datagrid from "datagrid-ai"
import { Option } from "effect"
import { EventType, Exa, ExaError } from "exa-js"
import Stripe from "stripe"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { fromUuid, toUuid } from "@herald/http/profiles/diga/Ids"
import { backends, KEY_ACME, KEY_GLOBEX, KEY_INITECH, type RunningApp, start } from "./support/Harness.js"

describe.each(backends)("on %s", (backend) => {
  let app: RunningApp
  const receivers: Array<TestReceiver.RunningReceiver> = []

  beforeAll(async () => {
    app = await start({ backend })
  })
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })
  afterAll(() => app.close())

  const datagrid = (key: string) => new Datagrid({ apiKey: key, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 })
  const exa = (key: string) => new Exa(key, app.baseUrl)

  const http = async (key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: response.status, body: JSON.parse(await response.text()) }
  }

  const digaCreate = async (key: string, url: string) => {
    const created = await http(key, "POST", "/v1/webhook/", { url, subscribed_events: ["status_changed"] })
    expect(created.status).toBe(200)
    return created.body as { id: string; secret: string }
  }

  const publish = async (key: string, event_type: string, data: unknown) => {
    const published = await http(key, "POST", "/v1/events", { event_type, data })
    expect(published.status).toBe(202)
    return published.body as { id: string; deliveries: number }
  }

  const receiver = async () => {
    const started = await TestReceiver.start()
    receivers.push(started)
    return started
  }

  /** Lets any delivery that was going to happen arrive; used only before asserting absence. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 750))

  it("delivers each teamspace's events to its own webhooks only, in each profile's format", async () => {
    const target = await receiver()
    const acmeHook = await datagrid(KEY_ACME).webhooks.create({
      url: `${target.url}/datagrid`,
      events: ["batch_prediction.completed"]
    })
    const globexHook = await exa(KEY_GLOBEX).websets.webhooks.create({
      url: `${target.url}/exa`,
      events: [EventType.webset_created]
    })
    const initechHook = await digaCreate(KEY_INITECH, `${target.url}/diga`)

    // Every teamspace publishes every profile's event type; one per teamspace matches.
    const published: Record<string, number> = {}
    for (const [key, teamspace] of [[KEY_ACME, "acme"], [KEY_GLOBEX, "globex"], [KEY_INITECH, "initech"]] as const) {
      for (const type of ["batch_prediction.completed", "webset.created", "status_changed"]) {
        published[`${teamspace} ${type}`] = (await publish(key, type, { teamspace, type })).deliveries
      }
    }
    expect(published).toEqual({
      "acme batch_prediction.completed": 1,
      "acme webset.created": 0,
      "acme status_changed": 0,
      "globex batch_prediction.completed": 0,
      "globex webset.created": 1,
      "globex status_changed": 0,
      "initech batch_prediction.completed": 0,
      "initech webset.created": 0,
      "initech status_changed": 1
    })

    await target.awaitRequests(3)
    await settle()
    const requests = await target.requests()
    expect(requests.map((request) => request.path).sort()).toEqual(["/datagrid", "/diga", "/exa"])
    const at = (path: string) => requests.find((request) => request.path === path)!

    const toDatagrid = at("/datagrid")
    expect(JSON.parse(toDatagrid.body)).toMatchObject({
      event_type: "batch_prediction.completed",
      data: { teamspace: "acme" }
    })
    expect(verifySignature({ payload: toDatagrid.body, header: toDatagrid.headers["datagrid-signature"], secret: acmeHook.secret }))
      .toMatchObject({ ok: true })

    const toExa = at("/exa")
    expect(JSON.parse(toExa.body)).toMatchObject({ object: "event", type: "webset.created", data: { teamspace: "globex" } })
    expect(new Stripe("sk_test_unused").webhooks.constructEvent(toExa.body, toExa.headers["exa-signature"]!, globexHook.secret!))
      .toMatchObject({ type: "webset.created" })

    const toDiga = at("/diga")
    expect(JSON.parse(toDiga.body)).toMatchObject({ event: "status_changed", data: { teamspace: "initech" } })
    expect(verifyStandardWebhook({ payload: toDiga.body, headers: toDiga.headers, secret: initechHook.secret }))
      .toMatchObject({ ok: true })

    // Each profile signs with its own header only.
    expect(Object.keys(toDatagrid.headers).filter((name) => /signature/.test(name))).toEqual(["datagrid-signature"])
    expect(Object.keys(toExa.headers).filter((name) => /signature/.test(name))).toEqual(["exa-signature"])
    expect(Object.keys(toDiga.headers).filter((name) => /signature/.test(name))).toEqual(["webhook-signature"])
  })

  it("keeps teamspaces apart through every profile", async () => {
    const globexHook = await exa(KEY_GLOBEX).websets.webhooks.create({ url: "https://example.com/g", events: [EventType.webset_paused] })
    await expect(datagrid(KEY_ACME).webhooks.retrieve(globexHook.id)).rejects.toBeInstanceOf(Datagrid.NotFoundError)
    await expect(exa(KEY_ACME).websets.webhooks.get(globexHook.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(exa(KEY_INITECH).websets.webhooks.delete(globexHook.id)).rejects.toBeInstanceOf(ExaError)
    expect((await http(KEY_INITECH, "GET", `/v1/webhook/${toUuid(globexHook.id as Ids.WebhookId)}`)).status).toBe(404)

    for (const key of [KEY_ACME, KEY_INITECH]) {
      const ids = (await exa(key).websets.webhooks.getAll()).map((webhook) => webhook.id)
      expect(ids).not.toContain(globexHook.id)
      const digaIds = ((await http(key, "GET", "/v1/webhook/?limit=100")).body.data as Array<{ id: string }>).map((hook) => hook.id)
      expect(digaIds).not.toContain(toUuid(globexHook.id as Ids.WebhookId))
    }
    expect((await exa(KEY_GLOBEX).websets.webhooks.get(globexHook.id)).status).toBe("active")
  })

  it("shows a teamspace's webhooks through every profile; each keeps delivering in its own", async () => {
    const target = await receiver()
    const viaDiga = await digaCreate(KEY_INITECH, `${target.url}/made-via-diga`)
    const id = Option.getOrThrow(fromUuid(viaDiga.id))

    expect(await exa(KEY_INITECH).websets.webhooks.get(id)).toMatchObject({
      id,
      object: "webhook",
      status: "active",
      events: ["status_changed"],
      secret: null
    })
    expect(await datagrid(KEY_INITECH).webhooks.retrieve(id)).toMatchObject({ id, events: ["status_changed"], enabled: true })
    // Its events stay Diga's: another profile's type is refused through any profile.
    await expect(datagrid(KEY_INITECH).webhooks.update(id, { events: ["batch_prediction.failed"] })).rejects.toBeInstanceOf(
      Datagrid.BadRequestError
    )

    await publish(KEY_INITECH, "status_changed", { via: "diga" })
    const [request] = await target.awaitRequests(1)
    expect(request!.headers["webhook-signature"]).toMatch(/^v1,/)
    expect(JSON.parse(request!.body)).toMatchObject({ event: "status_changed", data: { via: "diga" } })
  })
})
