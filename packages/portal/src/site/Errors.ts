/**
 * What an error answer says, whatever its profile's shape, as one message and
 * the messages for each form field it names:
 *
 * - Datagrid and Herald's own routes: `{status_code, error, message, mitigation?, retryable,
 *   details?: {issues: [{path, message}], issue_count}}`;
 * - Exa: `{statusCode, error (the message), tag, requestId, details?: {issues, issueCount}}`;
 * - Diga: a 422 `{detail: [{loc: ["body", field, ...], msg, type}]}`, else
 *   `{status: "error", error_code, message}`.
 *
 * A 429 says how long to wait (`Retry-After`).
 */

/** The words for an error answer: the message, and per field (`url`, `events`, ...) what is wrong with it. */
export interface ErrorReport {
  readonly status: number
  readonly message: string
  readonly fields: Readonly<Record<string, string>>
}

/** Field names as the forms know them: Diga's `subscribed_events` is `events`. */
const ALIASES: Readonly<Record<string, string>> = { subscribed_events: "events" }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const fieldOf = (path: unknown): string | undefined => {
  if (!Array.isArray(path)) return undefined
  const head: unknown = path[0]
  return typeof head === "string" ? ALIASES[head] ?? head : undefined
}

const collect = (entries: ReadonlyArray<readonly [string | undefined, string]>): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (const [field, message] of entries) {
    if (field !== undefined && fields[field] === undefined) fields[field] = message
  }
  return fields
}

/** `details.issues` of Datagrid's and Exa's bodies. */
const issueFields = (details: unknown): Record<string, string> => {
  if (!isRecord(details) || !Array.isArray(details["issues"])) return {}
  return collect(details["issues"].flatMap((issue: unknown) =>
    isRecord(issue) && typeof issue["message"] === "string" ? [[fieldOf(issue["path"]), issue["message"]] as const] : []
  ))
}

/** Seconds to wait from a `Retry-After` value (seconds, or an HTTP date); undefined when absent or unreadable. */
export const retryAfterSeconds = (value: string | null, now: number = Date.now()): number | undefined => {
  if (value === null || value.trim() === "") return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** The report for an answer with this status, parsed JSON body (or undefined) and `Retry-After` header. */
export const describeError = (status: number, body: unknown, retryAfter: string | null = null): ErrorReport => {
  if (status === 429) {
    const seconds = retryAfterSeconds(retryAfter)
    const wait = seconds === undefined ? "wait a moment" : `wait ${plural(seconds, "second")}`
    return { status, message: `Too many requests: ${wait}, then try again.`, fields: {} }
  }
  if (isRecord(body)) {
    // Diga's validation errors.
    if (Array.isArray(body["detail"])) {
      const entries = body["detail"].flatMap((entry: unknown) => {
        if (!isRecord(entry) || typeof entry["msg"] !== "string") return []
        const loc = Array.isArray(entry["loc"]) ? entry["loc"] : []
        return [[fieldOf(loc[0] === "body" || loc[0] === "query" ? loc.slice(1) : loc), entry["msg"]] as const]
      })
      if (entries.length > 0) {
        return {
          status,
          message: entries.map(([field, msg]) => field === undefined ? msg : `${field}: ${msg}`).join("; "),
          fields: collect(entries)
        }
      }
    }
    // Exa: `error` is the message, `tag` the code.
    if (typeof body["tag"] === "string" && typeof body["error"] === "string") {
      return { status, message: body["error"], fields: issueFields(body["details"]) }
    }
    // Datagrid, Herald's own routes, and Diga's other errors.
    if (typeof body["message"] === "string" && body["message"] !== "") {
      return { status, message: body["message"], fields: issueFields(body["details"]) }
    }
  }
  return { status, message: fallback(status), fields: {} }
}

const fallback = (status: number): string => {
  if (status === 0) return "The server could not be reached. Check your connection and try again."
  if (status === 403) return "This portal link does not allow that change."
  if (status === 404) return "Not found: it may have been deleted."
  if (status >= 500) return `The server answered with an error (HTTP ${status}). Try again in a moment.`
  return `The request failed (HTTP ${status}).`
}
