/**
 * The few HTTP API calls the multi-process tests make (Datagrid profile), with
 * every answer checked: a test never goes on after a publish that was refused.
 */

export interface Webhook {
  readonly id: string
  readonly secret: string
}

const call = async (
  apiUrl: string,
  apiKey: string,
  path: string,
  body: unknown,
  expected: number
): Promise<unknown> => {
  const response = await fetch(`${apiUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  })
  const text = await response.text()
  if (response.status !== expected) {
    throw new Error(`POST ${path} answered ${response.status} (expected ${expected}): ${text}`)
  }
  return text === "" ? undefined : JSON.parse(text)
}

export const createWebhook = async (
  apiUrl: string,
  apiKey: string,
  url: string,
  events: ReadonlyArray<string>,
  options: { readonly ordered?: boolean } = {}
): Promise<Webhook> => {
  const body = options.ordered === true ? { url, events, ordered: true } : { url, events }
  const created = (await call(apiUrl, apiKey, "/v1/webhooks", body, 201)) as Partial<Webhook>
  if (typeof created.id !== "string" || typeof created.secret !== "string") {
    throw new Error(`POST /v1/webhooks answered without id/secret: ${JSON.stringify(created)}`)
  }
  return { id: created.id, secret: created.secret }
}

export const publishEvent = async (
  apiUrl: string,
  apiKey: string,
  event: { readonly id: string; readonly event_type: string; readonly data: unknown }
): Promise<void> => {
  await call(apiUrl, apiKey, "/v1/events", event, 202)
}

/** An attempt as the API lists it (`GET /v1/webhooks/{id}/attempts`), the fields the tests read. */
export interface Attempt {
  readonly event_id: string
  readonly attempt: number
  readonly successful: boolean
  readonly response_status_code: number | null
}

/** A webhook's attempts, newest first (one page of up to 100). */
export const listAttempts = async (apiUrl: string, apiKey: string, webhookId: string): Promise<ReadonlyArray<Attempt>> => {
  const path = `/v1/webhooks/${webhookId}/attempts?limit=100`
  const response = await fetch(`${apiUrl}${path}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal: AbortSignal.timeout(30_000)
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status} (expected 200): ${text}`)
  return (JSON.parse(text) as { data: ReadonlyArray<Attempt> }).data
}

/** The `id` of a delivered Datagrid envelope `{id, event_type, timestamp, data}`, or undefined. */
export const envelopeId = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { id?: unknown }
    return typeof parsed.id === "string" ? parsed.id : undefined
  } catch {
    return undefined
  }
}
