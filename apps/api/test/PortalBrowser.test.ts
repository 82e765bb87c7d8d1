/**
 * The customer portal in a real browser (Debian's Chromium, driven by playwright-core), against
 * the real app on the memory and Redis backends: every action the page offers, through its
 * controls (by role and label), checked both on the page and where it lands (the API's view, the
 * receiver's requests). Any console error or CSP violation fails a test, except the failed loads of
 * the 4xx answers the test provoked. With `HERALD_PORTAL_SCREENSHOTS=1` the tests also save the
 * README's screenshots into docs/portal/.
 */
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { verifySignature, verifyStandardWebhook } from "@herald/verify"
import { TestReceiver } from "@herald/testkit"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type Backend, backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"
import * as ManualClock from "./support/ManualClock.js"

const CHROMIUM = "/usr/bin/chromium"
const SCREENSHOTS = process.env["HERALD_PORTAL_SCREENSHOTS"] === "1"
const SCREENSHOT_DIR = fileURLToPath(new URL("../../../docs/portal/", import.meta.url))
const DESKTOP = { width: 1200, height: 800 }
const PHONE = { width: 390, height: 844 }

interface Session {
  readonly url: string
  readonly token: string
  readonly read_only: boolean
  readonly profile: string
}

interface Webhook {
  readonly id: string
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly enabled: boolean
  readonly ordered?: boolean
  readonly rate_limit?: number
}

/** The API as the provider's backend calls it, with ACME's key. */
const http = (app: () => RunningApp) => async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
  const response = await fetch(`${app().baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T }
}

/** A Chromium message for a failed load: `Failed to load resource: the server responded with a status of 401 (Unauthorized)`. */
const failedLoad = /^Failed to load resource: the server responded with a status of (\d{3})/

/** The suite on the memory and Redis backends; skipped, saying why, without Chromium. */
const suite = (title: string, body: (backend: Backend) => void) => {
  if (existsSync(CHROMIUM)) describe.each(backends.filter((backend) => backend === "memory" || backend === "redis"))(title, body)
  else {
    describe.skip(`portal in a browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
      it("every action of the portal in a real browser", () => {})
    })
  }
}

let context: BrowserContext
let userDataDir: string
/**
 * The apps, closed after the browser: Chromium keeps connections open (some it never sends a
 * request on), and the server's close waits for them until its request timeout.
 */
const apps: Array<RunningApp> = []
const afterTheBrowser = (app: RunningApp) => void apps.push(app)

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  userDataDir = await mkdtemp(join(tmpdir(), "herald-portal-"))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })
  if (SCREENSHOTS) await mkdir(SCREENSHOT_DIR, { recursive: true })
}, 60_000)
afterAll(async () => {
  await context?.close()
  if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true })
  await Promise.all(apps.map((app) => app.close()))
})

/** The pages the running test opened, each with the console errors it logged and the 4xx it was told to expect. */
const opened: Array<{
  readonly page: Page
  readonly errors: Array<string>
  readonly expected: ReadonlySet<number>
  readonly refusal: RegExp | undefined
}> = []

afterEach(async () => {
  const pages = opened.splice(0)
  for (const { page } of pages) await page.close()
  for (const { errors, expected, refusal } of pages) {
    const unexpected = errors.filter((message) => {
      if (refusal?.test(message) === true) return false
      const status = failedLoad.exec(message)?.[1]
      return status === undefined || !expected.has(Number(status))
    })
    expect(unexpected).toEqual([])
  }
})

/**
 * A new page (its own sessionStorage) at `url`; `expected` are the statuses whose failed loads the
 * test provokes, `refusal` the one other error it provokes (read back with `errorsOf`).
 */
const open = async (
  url: string,
  options: { readonly expected?: ReadonlyArray<number>; readonly refusal?: RegExp; readonly viewport?: typeof DESKTOP } = {}
) => {
  const page = await context.newPage()
  const errors: Array<string> = []
  opened.push({ page, errors, expected: new Set(options.expected ?? []), refusal: options.refusal })
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`))
  if (options.viewport !== undefined) await page.setViewportSize(options.viewport)
  await page.goto(url)
  return page
}

/** The console errors `page` logged so far. */
const errorsOf = (page: Page) => opened.find((entry) => entry.page === page)?.errors ?? []

/** Whether the page scrolls sideways. */
const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")

/** The receiver's requests whose body names `text` (an event id). */
const naming = (receiver: TestReceiver.RunningReceiver, text: string) =>
  receiver.requests().filter((request) => request.body.includes(text))

suite("portal in a browser on %s", (backend) => {
  let app: RunningApp
  let receiver: TestReceiver.RunningReceiver
  const call = http(() => app)
  /** Whether this run saves the README's screenshots (from one backend). */
  const shooting = SCREENSHOTS && backend === "memory"
  const screenshot = async (page: Page, name: string, fullPage = false) => {
    if (shooting) await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage })
  }

  beforeAll(async () => {
    app = await start({ backend })
    afterTheBrowser(app)
    receiver = await TestReceiver.start()
  })
  afterAll(async () => {
    await receiver?.close()
  })

  const session = async (body: Record<string, unknown> = {}) => {
    const opened = await call<Session>("POST", "/v1/portal/sessions", body)
    expect(opened.status).toBe(201)
    return opened.body
  }
  const webhooks = async () => (await call<{ data: ReadonlyArray<Webhook> }>("GET", "/v1/webhooks?limit=100")).body.data
  const webhook = async (url: string, events: ReadonlyArray<string> = ["batch_prediction.completed"]) => {
    const created = await call<Webhook & { secret: string }>("POST", "/v1/webhooks", { url, events })
    expect(created.status).toBe(201)
    return created.body
  }
  /** The portal of a new session, showing the endpoint at `url`. */
  const detail = async (url: string, options: Parameters<typeof open>[1] = {}) => {
    const page = await open((await session()).url, options)
    await page.getByRole("button", { name: url, exact: true }).click()
    await page.getByRole("heading", { level: 1, name: url }).waitFor()
    return page
  }
  const attemptRows = (page: Page) => page.locator("li.attempt")

  it("creates an endpoint: the list shows, event types come from the catalog, the secret is shown once, the list has it", async () => {
    if (shooting) {
      await webhook("https://api.example-customer.com/webhooks", ["knowledge.processing.completed"])
      await webhook("https://hooks.example-customer.com/herald/batch", ["batch_prediction.expired", "batch_prediction.cancelled"])
    }
    const url = `${receiver.url}/created`
    const page = await open((await session()).url)
    await page.getByRole("heading", { name: "Endpoints" }).waitFor()
    await page.getByRole("button", { name: "Add endpoint" }).click()
    await page.getByRole("heading", { name: "Add an endpoint" }).waitFor()
    await page.getByLabel("Endpoint URL").fill(url)
    await page.getByRole("checkbox", { name: "batch_prediction.completed" }).check()
    await page.getByRole("button", { name: "Create endpoint" }).click()

    const callout = page.getByRole("region", { name: "New endpoint's secret" })
    await callout.waitFor()
    const secret = await callout.getByRole("textbox", { name: "New signing secret" }).inputValue()
    const created = (await webhooks()).find((w) => w.url === url)
    expect(created?.events).toEqual(["batch_prediction.completed"])
    expect((await call("GET", `/v1/webhooks/${created!.id}/secret`)).body).toMatchObject({ secret })
    expect(secret).toMatch(/^whsec_/)
    // Rotated at once, the creation's callout goes: its secret is no longer the one that signs first.
    await page.getByRole("button", { name: "Rotate secret" }).click()
    await page.getByText(/The previous secret also signs deliveries until/).waitFor()
    expect(await callout.count()).toBe(0)
    expect(await page.getByRole("textbox", { name: "Signing secret", exact: true }).inputValue()).not.toBe(secret)

    await page.getByRole("button", { name: "← All endpoints" }).click()
    await page.getByRole("button", { name: url, exact: true }).waitFor()
    await page.getByText("1 event type").first().waitFor()
    // Shown once: opening the endpoint again shows no secret until revealed.
    await page.getByRole("button", { name: url, exact: true }).click()
    await page.getByRole("button", { name: "Reveal secret" }).waitFor()
    expect(await page.getByRole("region", { name: "New endpoint's secret" }).count()).toBe(0)
    if (shooting) {
      await page.getByRole("button", { name: "← All endpoints" }).click()
      await page.getByText(/recent deliveries succeeded|No deliveries yet/).first().waitFor()
      await screenshot(page, "endpoints")
    }
  })

  it("sends a test event: the receiver gets webhook.test, its attempt appears in the log", async () => {
    const url = `${receiver.url}/test-event`
    await webhook(url)
    const page = await detail(url)
    await page.getByText("No attempts yet. Send a test event to try the endpoint.").waitFor()
    await page.getByRole("button", { name: "Send test event" }).click()
    const [delivery] = await waitForPath(receiver, "/test-event", 1)
    expect(JSON.parse(delivery!.body)).toMatchObject({ event_type: "webhook.test" })
    // The page polls for the test event's attempt.
    await attemptRows(page).filter({ hasText: "webhook.test" }).filter({ hasText: "Succeeded" }).waitFor()
    await page.getByRole("status").filter({ hasText: "Test event delivered" }).waitFor({ state: "attached" })
    await screenshot(page, "endpoint", true)
  })

  it("redelivers a failed attempt from the log, and recovers failed deliveries since a time", async () => {
    const failing = await TestReceiver.start({ respond: TestReceiver.always(TestReceiver.reply(500, { body: "down for maintenance" })) })
    try {
      const url = `${failing.url}/flaky`
      await webhook(url, ["batch_prediction.failed"])
      const published = await call<{ id: string }>("POST", "/v1/events", { event_type: "batch_prediction.failed", data: { batch: "b_1" } })
      expect(published.status).toBe(202)
      // Every attempt of the retry schedule (three) failed.
      await failing.awaitRequests(3)
      const page = await detail(url)
      await page.getByLabel("Failed only").check()
      const failed = attemptRows(page).filter({ hasText: published.body.id })
      await expect.poll(async () => {
        await page.getByRole("button", { name: "Refresh attempts" }).click()
        return failed.count()
      }).toBe(3)
      await failed.filter({ hasText: "HTTP 500" }).first().waitFor()

      failing.respondWith(TestReceiver.always(TestReceiver.reply(200)))
      await page.getByRole("button", { name: `Redeliver event ${published.body.id}` }).first().click()
      await failing.awaitRequests(4)
      await page.getByLabel("Failed only").uncheck()
      const succeeded = attemptRows(page).filter({ hasText: published.body.id }).filter({ hasText: "Succeeded" })
      await expect.poll(async () => {
        await page.getByRole("button", { name: "Refresh attempts" }).click()
        return succeeded.count()
      }).toBe(1)

      // Another event fails, then "Recover failed deliveries since" a day ago sends it again.
      failing.respondWith(TestReceiver.always(TestReceiver.reply(503)))
      const second = await call<{ id: string }>("POST", "/v1/events", { event_type: "batch_prediction.failed", data: { batch: "b_2" } })
      await expect.poll(() => naming(failing, second.body.id).length).toBe(3)
      failing.respondWith(TestReceiver.always(TestReceiver.reply(200)))
      await expect.poll(async () => (await call<{ data: ReadonlyArray<{ next_attempt_at: string | null }> }>(
        "GET",
        `/v1/webhooks/${(await webhooks()).find((w) => w.url === url)!.id}/attempts?limit=1`
      )).body.data[0]?.next_attempt_at).toBeNull()
      await page.getByLabel("Recover failed deliveries since").waitFor()
      await page.getByRole("button", { name: "Recover", exact: true }).click()
      await expect.poll(() => naming(failing, second.body.id).length).toBe(4)
      await page.getByRole("status").filter({ hasText: /failed deliver(y|ies) sent again/ }).waitFor({ state: "attached" })
      await expect.poll(async () => {
        await page.getByRole("button", { name: "Refresh attempts" }).click()
        return attemptRows(page).filter({ hasText: second.body.id }).filter({ hasText: "Succeeded" }).count()
      }).toBe(1)
    } finally {
      await failing.close()
    }
  })

  it("reveals and rotates the secret: the next delivery verifies with the new secret, and the old one during the overlap", async () => {
    const url = `${receiver.url}/rotated`
    const { secret: old } = await webhook(url)
    const page = await detail(url)
    await page.getByRole("button", { name: "Reveal secret" }).click()
    const shown = page.getByRole("textbox", { name: "Signing secret", exact: true })
    await expect.poll(() => shown.inputValue()).toBe(old)

    await page.getByLabel("Keep the old secret signing for").selectOption({ label: "1 hour" })
    await page.getByRole("button", { name: "Rotate secret" }).click()
    await page.getByText(/The previous secret also signs deliveries until/).waitFor()
    const rotated = await shown.inputValue()
    expect(rotated).not.toBe(old)
    const id = (await webhooks()).find((w) => w.url === url)!.id
    expect((await call("GET", `/v1/webhooks/${id}/secret`)).body).toMatchObject({ secret: rotated })

    await page.getByRole("button", { name: "Send test event" }).click()
    const [delivery] = await waitForPath(receiver, "/rotated", 1)
    const signed = { payload: delivery!.body, header: delivery!.headers["datagrid-signature"] }
    expect(verifySignature({ ...signed, secret: rotated })).toMatchObject({ ok: true })
    expect(verifySignature({ ...signed, secret: old })).toMatchObject({ ok: true })
    expect(verifySignature({ ...signed, secret: `whsec_${Buffer.from("another secret, 32 bytes long...").toString("base64")}` }))
      .toMatchObject({ ok: false })
  })

  it("edits an endpoint, disables and enables it, and deletes it after confirming", async () => {
    const url = `${receiver.url}/edited`
    const { id } = await webhook(url)
    const page = await detail(url)
    const server = async () => (await call<Webhook>("GET", `/v1/webhooks/${id}`)).body

    await page.getByRole("button", { name: "Edit" }).click()
    await page.getByRole("heading", { name: "Edit endpoint" }).waitFor()
    await page.getByRole("checkbox", { name: "batch_prediction.completed" }).uncheck()
    await page.getByRole("checkbox", { name: "batch_prediction.expired" }).check()
    await page.getByRole("checkbox", { name: "batch_prediction.cancelled" }).check()
    await page.getByLabel("Deliver in order").check()
    await page.getByLabel("Rate limit (deliveries per second)").fill("5")
    await page.getByRole("button", { name: "Save changes" }).click()
    await page.getByText("In order, one at a time, at most 5 per second").waitFor()
    expect(await server()).toMatchObject({
      events: ["batch_prediction.expired", "batch_prediction.cancelled"],
      ordered: true,
      rate_limit: 5
    })

    await page.getByRole("button", { name: "Disable" }).click()
    await page.getByRole("button", { name: "Enable" }).waitFor()
    await page.getByText("Disabled", { exact: true }).waitFor()
    expect((await server()).enabled).toBe(false)
    await page.getByRole("button", { name: "Enable" }).click()
    await page.getByRole("button", { name: "Disable" }).waitFor()
    expect((await server()).enabled).toBe(true)

    // Cancelling the dialog keeps it; confirming deletes it.
    await page.getByRole("button", { name: "Delete" }).click()
    const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" })
    await dialog.getByRole("button", { name: "Cancel" }).click()
    await dialog.waitFor({ state: "detached" })
    expect((await call("GET", `/v1/webhooks/${id}`)).status).toBe(200)
    await page.getByRole("button", { name: "Delete" }).click()
    await dialog.getByRole("button", { name: "Delete endpoint" }).click()
    await page.getByRole("heading", { name: "Endpoints" }).waitFor()
    expect(await page.getByRole("button", { name: url, exact: true }).count()).toBe(0)
    expect((await call("GET", `/v1/webhooks/${id}`)).status).toBe(404)
  })

  it("shows the event catalog: a registered type with its description, example payload and schema, configured ones with their example", async () => {
    const schema = { type: "object", required: ["invoice_id", "amount"], properties: { invoice_id: { type: "string" }, amount: { type: "integer" } } }
    const registered = await call("POST", "/v1/event-types", {
      name: "invoice.paid",
      description: "An invoice was paid in full.",
      schema,
      example: { invoice_id: "in_1042", amount: 4900 }
    })
    expect(registered.status).toBe(201)
    const page = await open((await session()).url)
    await page.getByRole("button", { name: "Event catalog" }).click()
    await page.getByRole("heading", { level: 1, name: "Event catalog" }).waitFor()
    const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "invoice.paid" }) })
    await card.getByText("An invoice was paid in full.").waitFor()
    await card.getByText("Example payload").click()
    await card.getByText(`"invoice_id": "in_1042"`).waitFor()
    // The configured types are listed too, with their profile's example.
    await page.getByRole("heading", { name: "batch_prediction.completed" }).waitFor()
    const configured = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "batch_prediction.completed" }) })
    await configured.getByText("Example payload").click()
    await configured.getByText(`"object": "batch_prediction"`).waitFor()
    await screenshot(page, "catalog", true)
    await card.getByText("Schema").click()
    await card.getByText(`"required": [`).waitFor()
  })

  it("a read-only session shows endpoints and attempts, and no control that changes anything", async () => {
    const url = `${receiver.url}/read-only`
    const { id } = await webhook(url)
    expect((await call("POST", `/v1/webhooks/${id}/test`)).status).toBe(202)
    await waitForPath(receiver, "/read-only", 1)
    const page = await open((await session({ read_only: true })).url)
    await page.getByText("Read-only access: you can look, but not change anything.").waitFor()
    await page.getByRole("button", { name: url, exact: true }).click()
    await page.getByRole("heading", { level: 1, name: url }).waitFor()
    await expect.poll(async () => {
      await page.getByRole("button", { name: "Refresh attempts" }).click()
      return attemptRows(page).filter({ hasText: "webhook.test" }).count()
    }).toBe(1)
    for (const name of ["Send test event", "Edit", "Disable", "Delete", "Reveal secret", "Rotate secret", "Recover", /^Redeliver/]) {
      expect(await page.getByRole("button", { name }).count(), String(name)).toBe(0)
    }
    await page.getByRole("button", { name: "← All endpoints" }).click()
    await page.getByRole("heading", { name: "Endpoints" }).waitFor()
    expect(await page.getByRole("button", { name: "Add endpoint" }).count()).toBe(0)
  })

  /** Creates an endpoint at the receiver's `path` in a session of `profile`, then sends it a test event: its secret and the delivery. */
  const createAndTest = async (profile: string, path: string, eventType: string) => {
    const page = await open((await session({ profile })).url)
    await page.getByRole("button", { name: "Add endpoint" }).click()
    await page.getByLabel("Endpoint URL").fill(`${receiver.url}${path}`)
    await page.getByRole("checkbox", { name: eventType }).check()
    await page.getByRole("button", { name: "Create endpoint" }).click()
    const secret = await page.getByRole("textbox", { name: "New signing secret" }).inputValue()
    await page.getByRole("button", { name: "Send test event" }).click()
    const [delivery] = await waitForPath(receiver, path, 1)
    return { secret, delivery: delivery! }
  }

  it("creates endpoints through Diga's route (Standard Webhooks signatures) and Exa's", async () => {
    const diga = await createAndTest("diga", "/diga", "status_changed")
    expect(diga.delivery.headers["webhook-signature"]).toMatch(/^v1,/)
    expect(verifyStandardWebhook({ payload: diga.delivery.body, headers: diga.delivery.headers, secret: diga.secret }))
      .toMatchObject({ ok: true })

    const exa = await createAndTest("exa", "/exa", "webset.created")
    expect(verifySignature({ payload: exa.delivery.body, header: exa.delivery.headers["exa-signature"], secret: exa.secret }))
      .toMatchObject({ ok: true })
    expect((await webhooks()).find((w) => w.url === `${receiver.url}/exa`)?.events).toEqual(["webset.created"])
  })

  it("fits a phone's width: no sideways scroll on the list or an endpoint with attempts", async () => {
    const url = `${receiver.url}/phone/a-rather-long-path/that-would-overflow-a-narrow-screen-if-it-did-not-wrap`
    const { id } = await webhook(url)
    expect((await call("POST", `/v1/webhooks/${id}/test`)).status).toBe(202)
    await waitForPath(receiver, "/phone/a-rather-long-path/that-would-overflow-a-narrow-screen-if-it-did-not-wrap", 1)
    const page = await open((await session()).url, { viewport: PHONE })
    await page.getByRole("button", { name: url, exact: true }).waitFor()
    expect(await scrollsSideways(page)).toBe(false)
    await screenshot(page, "phone")
    await page.getByRole("button", { name: url, exact: true }).click()
    await attemptRows(page).first().waitFor()
    await attemptRows(page).first().getByText("Response").click()
    expect(await scrollsSideways(page)).toBe(false)
  })

  it("serves the page with frame-ancestors 'self' by default", async () => {
    const response = await fetch(`${app.baseUrl}/portal/`)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain("herald-portal-theme")
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'self'")
  })

  describe("with a manual clock, private URLs refused and another origin allowed to frame the page", () => {
    let strict: RunningApp
    let framer: Server
    let framerOrigin: string
    const clock = ManualClock.make()
    const strictCall = http(() => strict)
    /** The link framed by the framer's page. */
    let framed = ""

    beforeAll(async () => {
      framer = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
        response.end(`<!doctype html><title>Customer dashboard</title><h1>Acme dashboard</h1><iframe title="Webhooks" src="${framed}" width="1000" height="600"></iframe>`)
      })
      await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve))
      framerOrigin = `http://127.0.0.1:${(framer.address() as AddressInfo).port}`
      strict = await start({
        backend,
        allowPrivateUrls: false,
        clock: clock.clock,
        portal: { frameAncestors: `'self' ${framerOrigin}`, theme: {} }
      })
      afterTheBrowser(strict)
    })
    afterAll(async () => {
      // The browser keeps its connection open.
      framer?.closeAllConnections()
      await new Promise((resolve) => framer?.close(resolve))
    })

    const strictSession = async (body: Record<string, unknown> = {}) => {
      const opened = await strictCall<Session>("POST", "/v1/portal/sessions", body)
      expect(opened.status).toBe(201)
      return opened.body
    }

    it("refuses a private URL, with the server's message under the URL field", async () => {
      const url = "https://webhooks.corp.private.test/herald"
      const refused = await strictCall<{ message: string }>("POST", "/v1/webhooks", { url, events: ["batch_prediction.completed"] })
      expect(refused.status).toBe(400)
      expect(refused.body.message).toContain("url must point to a public host")
      const page = await open((await strictSession()).url, { expected: [400] })
      await page.getByRole("button", { name: "Add endpoint" }).click()
      await page.getByLabel("Endpoint URL").fill(url)
      await page.getByRole("checkbox", { name: "batch_prediction.completed" }).check()
      await page.getByRole("button", { name: "Create endpoint" }).click()
      const error = page.locator("#url-error")
      await error.waitFor()
      expect(await error.textContent()).toContain(refused.body.message)
      expect(await page.getByLabel("Endpoint URL").getAttribute("aria-invalid")).toBe("true")
      expect(await page.getByLabel("Endpoint URL").getAttribute("aria-describedby")).toContain("url-error")
      await screenshot(page, "create-error")
    })

    it("an expired link, or a made-up one, shows the expired page and no endpoints", async () => {
      const { url } = await strictSession({ expires_in: 60 })
      clock.advance(61_000)
      const page = await open(url, { expected: [401] })
      await page.getByRole("heading", { name: "This portal link has expired or is not valid" }).waitFor()
      expect(await page.getByRole("heading", { name: "Endpoints" }).count()).toBe(0)

      const made = await open(`${strict.baseUrl}/portal/#token=hps_${"x".repeat(43)}`, { expected: [401] })
      await made.getByRole("heading", { name: "This portal link has expired or is not valid" }).waitFor()
      expect(await made.getByRole("heading", { name: "Endpoints" }).count()).toBe(0)
    })

    it("is framed by a page on another origin that the settings allow; by default the same page may not frame it", async () => {
      const response = await fetch(`${strict.baseUrl}/portal/`)
      await response.text()
      expect(response.headers.get("content-security-policy")).toContain(`frame-ancestors 'self' ${framerOrigin}`)
      framed = (await strictSession()).url
      const page = await open(`${framerOrigin}/`)
      const frame = page.frameLocator("iframe[title=Webhooks]")
      await frame.getByRole("heading", { name: "Endpoints" }).waitFor()
      await frame.getByRole("button", { name: "Event catalog" }).click()
      await frame.getByRole("heading", { level: 1, name: "Event catalog" }).waitFor()

      // The default app's page, framed by the same page: refused by its frame-ancestors 'self'.
      framed = (await session()).url
      const refused = await open(`${framerOrigin}/`, { refusal: /^Framing '.*' violates the following Content Security Policy directive: "frame-ancestors 'self'"/ })
      await expect.poll(() => errorsOf(refused).some((message) => message.startsWith("Framing"))).toBe(true)
      await expect.poll(() => refused.frames().map((frame) => frame.url())).toContain("chrome-error://chromewebdata/")
      expect(await refused.frameLocator("iframe[title=Webhooks]").getByRole("heading", { name: "Endpoints" }).count()).toBe(0)
    })
  })
})

/** Waits for `count` requests to `path` (the receiver is shared by the tests). */
const waitForPath = async (receiver: TestReceiver.RunningReceiver, path: string, count: number) => {
  await expect.poll(() => receiver.requests().filter((request) => request.path === path).length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(count)
  return receiver.requests().filter((request) => request.path === path)
}
