/**
 * `Idempotency-Key` on the real app, on every backend: for each POST that
 * creates something (a webhook through each profile, an event), the same key
 * and body replay the first response and create nothing more; another body is
 * a 422 naming the key; concurrent duplicates have one effect; keys belong to
 * their caller; 4xx results are not kept; without the header nothing changes.
 * Effects are counted through the API's own lists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backends, KEY_ACME, KEY_GLOBEX, type RunningApp, start } from "./support/Harness.js"

type Profile = "datagrid" | "exa" | "diga"

interface Operation {
  readonly name: string
  readonly profile: Profile
  readonly path: string
  /** The request body; `n` makes bodies differ. */
  readonly body: (n: number) => unknown
  readonly status: number
  /** Where its effects are listed (at most 100, which these tests never reach). */
  readonly list: string
}

const operations: ReadonlyArray<Operation> = [
  {
    name: "Datagrid webhook create",
    profile: "datagrid",
    path: "/v1/webhooks",
    body: (n) => ({ url: `https://example.com/datagrid/${n}`, events: ["batch_prediction.completed"] }),
    status: 201,
    list: "/v1/webhooks?limit=100"
  },
  {
    name: "Exa webhook create",
    profile: "exa",
    path: "/websets/v0/webhooks",
    body: (n) => ({ url: `https://example.com/exa/${n}`, events: ["webset.created"] }),
    status: 200,
    list: "/websets/v0/webhooks?limit=100"
  },
  {
    name: "Diga webhook create",
    profile: "diga",
    path: "/v1/webhook/",
    body: (n) => ({ url: `https://example.com/diga/${n}`, subscribed_events: ["status_changed"] }),
    status: 200,
    list: "/v1/webhook/?limit=100"
  },
  {
    name: "publish",
    profile: "datagrid",
    path: "/v1/events",
    body: (n) => ({ event_type: "batch_prediction.completed", data: { n } }),
    status: 202,
    list: "/v1/events?limit=100"
  }
]

/** The fields of the bodies these tests read, of every profile. */
interface Body {
  readonly id?: string
  readonly secret?: string
  readonly data?: ReadonlyArray<{ readonly id: string }>
  readonly message?: string
  readonly error?: string
  readonly mitigation?: string
  readonly details?: Readonly<Record<string, unknown>>
  readonly tag?: string
  readonly error_code?: string
  readonly detail?: ReadonlyArray<{ readonly loc: ReadonlyArray<string | number>; readonly msg: string; readonly type: string }>
}

interface Answer {
  readonly status: number
  readonly replayed: boolean
  readonly contentType: string | null
  readonly text: string
  readonly body: Body
}

/** The human-readable message of an error body, in each profile's shape. */
const messageOf = (profile: Profile, body: Body): string | undefined =>
  profile === "datagrid" ? body.message : profile === "exa" ? body.error : body.message ?? body.detail?.[0]?.msg

/** The error's code, in each profile's shape (Diga's 422 has the type of its one detail). */
const codeOf = (profile: Profile, body: Body): string | undefined =>
  profile === "datagrid" ? body.error : profile === "exa" ? body.tag : body.error_code ?? body.detail?.[0]?.type

describe.each(backends)("Idempotency-Key on %s", (backend) => {
  let app: RunningApp
  let unique = 0
  /** A fresh key and a fresh body number for each use. */
  const fresh = () => ++unique

  beforeAll(async () => {
    app = await start({ backend })
  })
  afterAll(() => app.close())

  const send = async (
    method: string,
    path: string,
    options: { apiKey?: string; profile?: Profile; body?: unknown; idempotencyKey?: string } = {}
  ): Promise<Answer> => {
    const apiKey = options.apiKey ?? KEY_ACME
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(options.profile === "exa" ? { "x-api-key": apiKey } : { authorization: `Bearer ${apiKey}` }),
        ...(options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey })
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const text = await response.text()
    return {
      status: response.status,
      replayed: response.headers.get("idempotent-replayed") === "true",
      contentType: response.headers.get("content-type"),
      text,
      body: text === "" ? {} : JSON.parse(text) as Body
    }
  }

  const post = (operation: Operation, n: number, idempotencyKey?: string, apiKey?: string) =>
    send("POST", operation.path, {
      profile: operation.profile,
      body: operation.body(n),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(apiKey === undefined ? {} : { apiKey })
    })

  const ids = async (operation: Operation, apiKey = KEY_ACME): Promise<ReadonlyArray<string>> => {
    const listed = await send("GET", operation.list, { profile: operation.profile, apiKey })
    expect(listed.status).toBe(200)
    return (listed.body.data ?? []).map((item) => item.id)
  }

  /** The ids listed now that were not listed `before`. */
  const added = async (operation: Operation, before: ReadonlyArray<string>, apiKey = KEY_ACME) =>
    (await ids(operation, apiKey)).filter((id) => !before.includes(id))

  describe.each(operations)("$name", (operation) => {
    it("the same key and body replay the first response, marked as a replay, and create one thing", async () => {
      const before = await ids(operation)
      const key = `same-${fresh()}`
      const n = fresh()
      const first = await post(operation, n, key)
      const second = await post(operation, n, key)
      const third = await post(operation, n, key)
      expect(first.status).toBe(operation.status)
      expect(first.replayed).toBe(false)
      for (const again of [second, third]) {
        expect(again.status).toBe(first.status)
        expect(again.text).toBe(first.text)
        expect(again.contentType).toBe(first.contentType)
        expect(again.replayed).toBe(true)
      }
      expect(await added(operation, before)).toEqual([first.body.id])
    })

    it("the same key with another body is a 422 naming the key, and creates nothing more", async () => {
      const before = await ids(operation)
      const key = `reused-${fresh()}`
      const first = await post(operation, fresh(), key)
      expect(first.status).toBe(operation.status)
      const other = await post(operation, fresh(), key)
      expect(other.status).toBe(422)
      expect(codeOf(operation.profile, other.body)).toMatch(/idempotency_key_reused/i)
      expect(messageOf(operation.profile, other.body)).toContain(`"${key}"`)
      expect(messageOf(operation.profile, other.body)).toContain("different request")
      expect(await added(operation, before)).toEqual([first.body.id])
    })

    it("20 concurrent duplicates have one effect; each answer is that response or a 409 to retry", async () => {
      const before = await ids(operation)
      const key = `concurrent-${fresh()}`
      const n = fresh()
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(operation, n, key)))
      const created = await added(operation, before)
      expect(created).toHaveLength(1)
      const successes = answers.filter((answer) => answer.status === operation.status)
      const inProgress = answers.filter((answer) => answer.status === 409)
      expect(successes.length + inProgress.length).toBe(answers.length)
      expect(successes.filter((answer) => !answer.replayed)).toHaveLength(1)
      for (const success of successes) expect(success.body.id).toBe(created[0])
      for (const conflict of inProgress) {
        expect(codeOf(operation.profile, conflict.body)).toMatch(/conflict|IDEMPOTENCY_KEY_IN_USE/)
        expect(messageOf(operation.profile, conflict.body)).toContain("still in progress")
      }
      const settled = await post(operation, n, key)
      expect(settled.replayed).toBe(true)
      expect(settled.body.id).toBe(created[0])
    })

    it("a key belongs to its caller: another teamspace's same key and body is its own request", async () => {
      const acmeBefore = await ids(operation)
      const globexBefore = await ids(operation, KEY_GLOBEX)
      const key = `shared-${fresh()}`
      const n = fresh()
      const acme = await post(operation, n, key)
      const globex = await post(operation, n, key, KEY_GLOBEX)
      expect(globex.status).toBe(operation.status)
      expect(globex.replayed).toBe(false)
      expect(globex.body.id).not.toBe(acme.body.id)
      expect(await added(operation, acmeBefore)).toEqual([acme.body.id])
      expect(await added(operation, globexBefore, KEY_GLOBEX)).toEqual([globex.body.id])
    })

    it("without the header, every POST runs", async () => {
      const before = await ids(operation)
      const n = fresh()
      const first = await post(operation, n)
      const second = await post(operation, n)
      expect([first.status, second.status]).toEqual([operation.status, operation.status])
      expect(first.replayed || second.replayed).toBe(false)
      expect(await added(operation, before)).toHaveLength(2)
    })

    it("a malformed key is refused in the profile's shape, before anything runs", async () => {
      const before = await ids(operation)
      for (const key of ["", " ", "a".repeat(256), "two, keys"]) {
        const refused = await post(operation, fresh(), key)
        expect(refused.status).toBe(operation.profile === "diga" ? 422 : 400)
        expect(messageOf(operation.profile, refused.body)).toContain("Idempotency-Key must be")
        if (operation.profile === "diga") expect(refused.body.detail?.[0]?.loc).toEqual(["header", "idempotency-key"])
        // The advice names only what the body holds: this refusal has no details.
        if (operation.profile === "datagrid") {
          expect(refused.body.details).toBeUndefined()
          expect(refused.body.mitigation).toBe("Fix the request as the message says, then send it again.")
        }
      }
      expect(await added(operation, before)).toEqual([])
    })
  })

  it("a 4xx is not kept: the same key and body run again, and a corrected request may then use the key", async () => {
    const before = await ids(operations[0]!)
    const key = `invalid-${fresh()}`
    const invalid = { url: "https://example.com/invalid", events: ["no.such.event"] }
    const first = await send("POST", "/v1/webhooks", { body: invalid, idempotencyKey: key })
    const second = await send("POST", "/v1/webhooks", { body: invalid, idempotencyKey: key })
    for (const answer of [first, second]) {
      expect(answer.status).toBe(400)
      expect(answer.replayed).toBe(false)
    }
    const fixed = await send("POST", "/v1/webhooks", { body: operations[0]!.body(fresh()), idempotencyKey: key })
    expect(fixed.status).toBe(201)
    expect(await added(operations[0]!, before)).toEqual([fixed.body.id])
  })

  it("a request that does not authenticate is refused as before, whatever its key", async () => {
    const key = `unauthenticated-${fresh()}`
    const forged = await post(operations[0]!, fresh(), key, "hk_forged_0123456789abcdef")
    expect(forged.status).toBe(401)
    const exa = await post(operations[1]!, fresh(), key, "hk_forged_0123456789abcdef")
    expect(exa.status).toBe(401)
    const diga = await post(operations[2]!, fresh(), key, "hk_forged_0123456789abcdef")
    expect(diga.status).toBe(403)
  })

  it("other POSTs are covered too: a rotation with the same key rotates once", async () => {
    const created = await post(operations[0]!, fresh())
    const key = `rotate-${fresh()}`
    const rotate = () =>
      send("POST", `/v1/webhooks/${created.body.id}/rotate-secret`, { body: { overlap_seconds: 0 }, idempotencyKey: key })
    const first = await rotate()
    const second = await rotate()
    expect(first.status).toBe(200)
    expect(second.replayed).toBe(true)
    expect(second.text).toBe(first.text)
    expect(first.body.secret).not.toBe(created.body.secret)
  })
})
