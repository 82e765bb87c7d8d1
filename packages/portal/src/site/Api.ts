/**
 * Herald's HTTP API as the portal uses it: the session, webhooks (the Datagrid
 * shape, whatever the session's profile), their attempts, redelivery and
 * recovery, test sends, secrets and the event catalog. Every call carries the
 * session token; a 401 means the session is over (`onExpired`), any other
 * error becomes an `ApiError` with the server's words (`Errors.describeError`).
 */
import { describeError, type ErrorReport } from "./Errors.js"

/** `GET /v1/portal/session`. */
export interface Session {
  readonly object: "portal_session"
  readonly teamspace: string
  readonly profile: string
  readonly read_only: boolean
  readonly expires_at: string
}

/** A webhook in the Datagrid shape. */
export interface Webhook {
  readonly id: string
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly enabled: boolean
  readonly disabled_reason?: string
  readonly ordered?: boolean
  readonly rate_limit?: number
  readonly created_at: string
  readonly updated_at: string
}

/** One delivery attempt from the attempt log. */
export interface Attempt {
  readonly id: string
  readonly event_id: string
  readonly event_type: string
  readonly attempt: number
  readonly url: string
  readonly attempted_at: string
  readonly duration_ms: number
  readonly successful: boolean
  readonly response_status_code: number | null
  readonly response_headers: Readonly<Record<string, string>>
  readonly response_body: string
  readonly failure: string | null
  readonly failure_message: string | null
  readonly next_attempt_at: string | null
}

/** An event type of the catalog. */
export interface EventType {
  readonly name: string
  readonly profile: string
  readonly description: string
  readonly schema: object | null
  readonly example: object | null
  readonly archived: boolean
}

/** A page of a list, with the next page's cursor. */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly next_cursor: string | null
}

/** A signing secret as rotate and reveal answer it. */
export interface SecretAnswer {
  readonly webhook_id: string
  readonly secret: string
  readonly previous_secret_expires_at?: string | null
}

/** A failed call but a 401: its status and the server's words. */
export class ApiError extends Error {
  readonly report: ErrorReport
  constructor(report: ErrorReport) {
    super(report.message)
    this.name = "ApiError"
    this.report = report
  }
}

/** A 401: the session expired or the token is not valid. */
export class SessionExpired extends Error {
  constructor() {
    super("The portal session has expired")
    this.name = "SessionExpired"
  }
}

/** How a call authenticates: Herald's Bearer, or the Exa profile's `x-api-key`. */
export type Auth = "bearer" | "x-api-key"

/** A call to the API: method, path under the root, JSON body. */
export type Call = <A>(method: string, path: string, body?: unknown, auth?: Auth) => Promise<A>

/** A caller bound to the API root and token. `onExpired` runs on any 401, before the call rejects. */
export const caller = (root: string, token: string, onExpired: () => void, fetcher: typeof fetch = fetch): Call =>
  async <A,>(method: string, path: string, body?: unknown, auth: Auth = "bearer"): Promise<A> => {
    const headers: Record<string, string> = { accept: "application/json" }
    if (auth === "bearer") headers["authorization"] = `Bearer ${token}`
    else headers["x-api-key"] = token
    if (body !== undefined) headers["content-type"] = "application/json"
    let response: Response
    try {
      response = await fetcher(`${root}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: "omit",
        cache: "no-store"
      })
    } catch {
      throw new ApiError(describeError(0, undefined))
    }
    if (response.status === 401) {
      onExpired()
      throw new SessionExpired()
    }
    const text = await response.text()
    let parsed: unknown = undefined
    try {
      parsed = text === "" ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!response.ok) throw new ApiError(describeError(response.status, parsed, response.headers.get("retry-after")))
    return parsed as A
  }

const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value))
  const text = search.toString()
  return text === "" ? "" : `?${text}`
}

const hook = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`

/** The changes a PATCH sends. */
export interface WebhookChanges {
  readonly url?: string
  readonly events?: ReadonlyArray<string>
  readonly enabled?: boolean
  readonly ordered?: boolean
  readonly rate_limit?: number | null
}

/** The portal's calls over one caller. */
export const api = (call: Call) => ({
  session: () => call<Session>("GET", "/v1/portal/session"),
  webhooks: (cursor?: string) => call<Page<Webhook>>("GET", `/v1/webhooks${query({ limit: 50, cursor })}`),
  webhook: (id: string) => call<Webhook>("GET", hook(id)),
  update: (id: string, changes: WebhookChanges) => call<Webhook>("PATCH", hook(id), changes),
  remove: (id: string) => call<void>("DELETE", hook(id)),
  rotateSecret: (id: string, overlapSeconds: number) =>
    call<SecretAnswer>("POST", `${hook(id)}/rotate-secret`, { overlap_seconds: overlapSeconds }),
  revealSecret: (id: string) => call<SecretAnswer>("GET", `${hook(id)}/secret`),
  sendTest: (id: string) => call<{ readonly id: string }>("POST", `${hook(id)}/test`),
  attempts: (id: string, options: { readonly cursor?: string; readonly failedOnly?: boolean; readonly limit?: number }) =>
    call<Page<Attempt>>(
      "GET",
      `${hook(id)}/attempts${query({ limit: options.limit ?? 20, cursor: options.cursor, successful: options.failedOnly === true ? false : undefined })}`
    ),
  redeliver: (eventId: string, webhookId: string) =>
    call<{ readonly deliveries: number }>("POST", `/v1/events/${encodeURIComponent(eventId)}/redeliver`, { webhook_id: webhookId }),
  recover: (id: string, since: string) => call<{ readonly deliveries: number }>("POST", `${hook(id)}/recover`, { since }),
  eventTypes: (profile: string, cursor?: string) =>
    call<Page<EventType>>("GET", `/v1/event-types${query({ profile, limit: 100, cursor })}`),
  call
})

/** The portal's calls. */
export type Api = ReturnType<typeof api>

/** Every page of a list, one after the other. */
export const all = async <A,>(page: (cursor?: string) => Promise<Page<A>>): Promise<ReadonlyArray<A>> => {
  const items: Array<A> = []
  let cursor: string | undefined = undefined
  for (let n = 0; n < 100; n++) {
    const result: Page<A> = await page(cursor)
    items.push(...result.data)
    if (result.next_cursor === null || result.next_cursor === undefined) break
    cursor = result.next_cursor
  }
  return items
}
