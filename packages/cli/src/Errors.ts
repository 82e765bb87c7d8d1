/**
 * What the `herald` command says when something goes wrong, and the exit code
 * it says it with. Every expected failure becomes one line (or two) naming what
 * to do next, never a stack trace: a missing API key, Herald not answering at
 * the configured URL, a key Herald refused (and, for a 403, the scope it
 * lacks), and the API's own message for everything else it refuses. Only a
 * defect (a bug) reaches the runtime's error report.
 */
import { HttpClientError } from "@effect/platform"
import { ValidationError } from "@effect/cli"
import { Data, ParseResult, Predicate } from "effect"

/** No API key: neither `--api-key` nor `HERALD_API_KEY`. */
export class MissingApiKey extends Data.TaggedError("MissingApiKey") {
  override get message() {
    return "No API key: set HERALD_API_KEY or pass --api-key <key>."
  }
}

/** A command line the command cannot use (a `--data` that is not a JSON object, say), with what is wrong. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The exit codes, as README documents them. */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** Herald refused the request, or could not be reached. */
  failed: 1,
  /** The command line or the configuration is wrong (including @effect/cli's own validation errors). */
  usage: 2
} as const

/** A Herald error body as the contract decodes it (`DatagridErrors.*`): each has these fields. */
interface ErrorBody {
  readonly status_code: number
  readonly message: string
  readonly mitigation?: string | undefined
  readonly details?: { readonly [key: string]: unknown } | undefined
}

const isErrorBody = (error: unknown): error is ErrorBody =>
  Predicate.hasProperty(error, "status_code") && typeof error.status_code === "number" &&
  Predicate.hasProperty(error, "message") && typeof error.message === "string"

/** The scopes a 403 body says the route needs (`details.required_scopes`), if it says. */
const requiredScopes = (body: ErrorBody): ReadonlyArray<string> => {
  const scopes = body.details?.["required_scopes"]
  return Array.isArray(scopes) ? scopes.filter((scope): scope is string => typeof scope === "string") : []
}

const sentence = (text: string) => /[.!?]$/.test(text) ? text : `${text}.`

/** What Herald's answer says, for a refusal of this status. */
const describeBody = (body: ErrorBody): string => {
  switch (body.status_code) {
    case 401:
      return `Herald refused the API key (401): ${sentence(body.message)} Check HERALD_API_KEY or --api-key.`
    case 403: {
      const scopes = requiredScopes(body)
      const missing = scopes.length === 0 ? "" : ` Missing scope: ${scopes.join(" or ")}.`
      return `Herald refused the API key for this command (403): ${sentence(body.message)}${missing}`
    }
    default: {
      const mitigation = body.mitigation === undefined ? "" : ` ${sentence(body.mitigation)}`
      return `Herald answered ${body.status_code}: ${sentence(body.message)}${mitigation}`
    }
  }
}

/** The origin a request went to (where Herald was expected). */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** A failure and the causes it nests (fetch's "fetch failed" wraps the socket's error), outermost first. */
const causeChain = (cause: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  for (let current = cause; current !== undefined && chain.length < 5;) {
    chain.push(current)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return chain
}

/** Whether a transport failure was a refused connection (nothing listening); an AggregateError holds one per address tried. */
const isConnectionRefused = (cause: unknown): boolean =>
  causeChain(cause).some((error) =>
    (Predicate.hasProperty(error, "code") && error.code === "ECONNREFUSED") ||
    (Predicate.hasProperty(error, "errors") && Array.isArray(error.errors) && error.errors.some(isConnectionRefused))
  )

/** The innermost cause's message, the one that says what happened. */
const innermostMessage = (cause: unknown): string | undefined =>
  causeChain(cause)
    .flatMap((error) => Predicate.hasProperty(error, "message") && typeof error.message === "string" ? [error.message] : [])
    .at(-1)

const describeHttpClientError = (error: HttpClientError.HttpClientError): string => {
  const where = originOf(error.request.url)
  if (error._tag === "RequestError") {
    return isConnectionRefused(error.cause)
      ? `Nothing answers at ${where} (connection refused): is Herald running? Start it with \`npm start\`, or point --url / HERALD_URL at it.`
      : `Could not reach Herald at ${where}: ${innermostMessage(error.cause) ?? error.description ?? error.reason}. Check --url / HERALD_URL.`
  }
  return `Herald at ${where} answered ${error.response.status}, which this command did not expect: is --url / HERALD_URL Herald's API?`
}

/** The message for any failure of a command. */
export const describe = (error: unknown): string => {
  if (error instanceof MissingApiKey || error instanceof UsageError) return error.message
  if (HttpClientError.isHttpClientError(error)) return describeHttpClientError(error)
  if (isErrorBody(error)) return describeBody(error)
  // The contract's schemas rejected an answer: whatever answered is not this version of Herald's API.
  if (ParseResult.isParseError(error)) {
    return `The answer did not match Herald's API as this command knows it: is --url / HERALD_URL Herald's API, of this version?\n${error.message}`
  }
  if (Predicate.hasProperty(error, "message") && typeof error.message === "string") return error.message
  return String(error)
}

/** The exit code for a failure of a command. */
export const exitCode = (error: unknown): number =>
  error instanceof MissingApiKey || error instanceof UsageError || ValidationError.isValidationError(error)
    ? ExitCode.usage
    : ExitCode.failed
