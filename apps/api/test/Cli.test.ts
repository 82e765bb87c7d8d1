/**
 * The `herald` command as a user runs it: the built CLI (`packages/cli/dist/bin.js`,
 * built by turbo before these tests) spawned as its own process against the real
 * app, a test receiver on the other side. It creates a webhook, triggers events
 * (with --data, with the catalog's example, a teamspace's or a profile's, with
 * none), reads the event and the attempts back, redelivers, deletes the webhook;
 * `--json` answers parse; a bad key, a read-only key, a missing key and a
 * stopped server each get their documented message and exit code.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Ids } from "@herald/core"
import { TestReceiver } from "@herald/testkit"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KEY_ACME, type RunningApp, start } from "./support/Harness.js"

/** Each run starts a Node process (most of a second), and the first test runs some fifteen. */
const LONG = 120_000

const BIN = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url))
const KEY_READ_ONLY = "hk_test_cli_read_0123456789abcdef"

let app: RunningApp
let receiver: TestReceiver.RunningReceiver
beforeAll(async () => {
  app = await start({ apiKeys: [[Redacted.make(KEY_READ_ONLY), "acme" as Ids.TeamspaceId, ["read"]]] })
  receiver = await TestReceiver.start()
})
afterAll(async () => {
  await receiver.close()
  await app.close()
})

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `herald <args>` in its own process, with only these Herald variables set (none inherited). */
const herald = (args: ReadonlyArray<string>, env: Record<string, string> = { HERALD_URL: app.baseUrl, HERALD_API_KEY: KEY_ACME }) =>
  new Promise<Ran>((resolve) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HERALD_")))
    execFile(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: "1", ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })
    })
  })

/** Runs `herald <args> --json`, expecting it to succeed, and answers the JSON it printed. */
const heraldJson = async <A>(args: ReadonlyArray<string>): Promise<A> => {
  const ran = await herald([...args, "--json"])
  expect(ran, ran.stderr).toMatchObject({ code: 0 })
  return JSON.parse(ran.stdout) as A
}

/** Polls `check` until it holds (an attempt is logged a moment after the receiver answers). */
const eventually = async (check: () => Promise<boolean>) => {
  for (let tries = 0; tries < 100; tries++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error("never held")
}

/** Registers `order.created` with an example payload in acme's catalog. */
const registerOrderCreated = async () => {
  const response = await fetch(`${app.baseUrl}/v1/event-types`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "order.created", description: "An order was placed", example: { order_id: "ord_example", total: 42 } })
  })
  expect(response.status).toBe(201)
}

/** Registers `name` in acme's catalog with neither schema nor example. */
const registerBare = async (name: string) => {
  const response = await fetch(`${app.baseUrl}/v1/event-types`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json" },
    body: JSON.stringify({ name })
  })
  expect(response.status).toBe(201)
}

describe("the herald command against the app", () => {
  it("creates a webhook, triggers events, reads them back, redelivers, and deletes the webhook", async () => {
    await registerOrderCreated()
    const created = await herald(["webhooks", "create", "--url", `${receiver.url}/cli`, "--events", "order.created,batch_prediction.completed"])
    expect(created.code, created.stderr).toBe(0)
    const webhookId = /^Created (\S+) -> /.exec(created.stdout)?.[1]
    expect(webhookId).toMatch(/^wh/)
    expect(created.stdout).toMatch(/Signing secret: whsec_\S+/)
    expect(created.stdout).toContain("The secret is shown once")

    const listed = await herald(["webhooks", "list"])
    expect(listed.stdout).toContain(`${webhookId}  ${receiver.url}/cli`)

    // With --data.
    const withData = await herald(["trigger", "order.created", "--data", '{"order_id":"ord_1"}', "--id", "evt_cli_1"])
    expect(withData).toMatchObject({ code: 0, stdout: "Published evt_cli_1 (order.created): 1 delivery enqueued.\n" })
    const received1 = await receiver.awaitRequests(1)
    expect(JSON.parse(received1[0]!.body)).toMatchObject({ event_type: "order.created", data: { order_id: "ord_1" } })

    // With the catalog's example.
    const fromExample = await herald(["trigger", "order.created", "--id", "evt_cli_2"])
    expect(fromExample.code, fromExample.stderr).toBe(0)
    expect(fromExample.stderr).toBe("Publishing the datagrid catalog's example for order.created.\n")
    const received2 = await receiver.awaitRequests(2)
    expect(JSON.parse(received2[1]!.body)).toMatchObject({ data: { order_id: "ord_example", total: 42 } })

    // A configured type: its profile's example, said on stderr, and --json still one document on stdout.
    const configured = await herald(["trigger", "batch_prediction.completed", "--id", "evt_cli_3", "--json"])
    expect(configured.stderr).toBe("Publishing the datagrid catalog's example for batch_prediction.completed.\n")
    expect(JSON.parse(configured.stdout)).toMatchObject({ object: "event", id: "evt_cli_3", duplicate: false, deliveries: 1 })
    const received3 = await receiver.awaitRequests(3)
    expect(JSON.parse(received3[2]!.body)).toMatchObject({ data: { object: "batch_prediction", status: "completed", id: expect.stringMatching(/^bpred_/) } })

    // A type without an example (registered bare; no webhook subscribes to it): {}, said on stderr.
    await registerBare("order.noted")
    const empty = await herald(["trigger", "order.noted", "--id", "evt_cli_3b", "--json"])
    expect(empty.stderr).toBe("order.noted has no example in the datagrid catalog: publishing {}.\n")
    expect(JSON.parse(empty.stdout)).toMatchObject({ object: "event", id: "evt_cli_3b", duplicate: false, deliveries: 0 })

    type Event = { readonly id: string; readonly deliveries: ReadonlyArray<{ readonly webhook_id: string; readonly status: string; readonly attempts: number }> }
    let event: Event | undefined
    await eventually(async () => {
      event = await heraldJson<Event>(["events", "get", "evt_cli_1"])
      return event.deliveries[0]?.status === "succeeded"
    })
    expect(event?.deliveries).toEqual([expect.objectContaining({ webhook_id: webhookId, status: "succeeded", attempts: 1 })])
    const shown = await herald(["events", "get", "evt_cli_1"])
    expect(shown.stdout).toMatch(new RegExp(`${webhookId}\\s+succeeded\\s+1 `))

    await eventually(async () => (await heraldJson<{ data: ReadonlyArray<unknown> }>(["attempts", webhookId!])).data.length === 3)
    const attempts = await herald(["attempts", webhookId!])
    expect(attempts.stdout).toMatch(/evt_cli_1\s+order\.created\s+1\s+ok 200/)
    expect((await herald(["attempts", webhookId!, "--failed"])).stdout).toBe("No failed attempts.\n")

    const redelivered = await herald(["redeliver", "evt_cli_1"])
    expect(redelivered).toMatchObject({ code: 0, stdout: "Sent evt_cli_1 again: 1 delivery requeued.\n" })
    const received4 = await receiver.awaitRequests(4)
    expect(JSON.parse(received4[3]!.body)).toMatchObject({ data: { order_id: "ord_1" } })

    const deleted = await herald(["webhooks", "delete", webhookId!])
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted ${webhookId}.\n` })
    const after = await heraldJson<{ data: ReadonlyArray<{ id: string }> }>(["webhooks", "list"])
    expect(after.data.map((webhook) => webhook.id)).not.toContain(webhookId)
  }, LONG)

  it("answers an unknown event with the API's 404 message, exit 1", async () => {
    const ran = await herald(["events", "get", "evt_cli_none"])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toBe("")
    expect(ran.stderr).toMatch(/^Herald answered 404: .*evt_cli_none/)
  })
})

describe("the herald command's refusals", () => {
  it("a bad key: says the key was refused, exit 1, no stack trace", async () => {
    const ran = await herald(["webhooks", "list"], { HERALD_URL: app.baseUrl, HERALD_API_KEY: "hk_test_wrong_0123456789abcdef" })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/^Herald refused the API key \(401\): .+ Check HERALD_API_KEY or --api-key\.\n$/)
  })

  it("a read-only key creating a webhook: says which scope is missing, exit 1", async () => {
    const ran = await herald(["webhooks", "create", "--url", `${receiver.url}/ro`, "--events", "order.created"], {
      HERALD_URL: app.baseUrl,
      HERALD_API_KEY: KEY_READ_ONLY
    })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/^Herald refused the API key for this command \(403\): .+ Missing scope: webhooks:write\.\n$/)
  })

  it("no key: says to set HERALD_API_KEY or pass --api-key, exit 2", async () => {
    const ran = await herald(["webhooks", "list"], { HERALD_URL: app.baseUrl })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("set HERALD_API_KEY or pass --api-key")
  })

  it("nothing listening: names the URL and asks whether Herald is running, exit 1", async () => {
    const stopped = await start()
    const url = stopped.baseUrl
    await stopped.close()
    const ran = await herald(["--url", url, "webhooks", "list"], { HERALD_API_KEY: KEY_ACME })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toBe(`Nothing answers at ${url} (connection refused): is Herald running? Start it with \`npm start\`, or point --url / HERALD_URL at it.\n`)
  })
})
