/**
 * The `herald` command run in-process against a fake Herald: an `HttpClient`
 * that records each request (method, URL, bearer token, JSON body) and answers
 * from a table of canned responses by `METHOD /path`, and what the command
 * printed on stdout and stderr, with its exit code. No server, no network.
 */
import { HttpClient, HttpClientResponse, UrlParams } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Effect, Either, Layer } from "effect"
import { vi } from "vitest"
import { Main } from "../../src/index.js"

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly authorization: string | undefined
  readonly body: unknown
}

/** A canned answer: a status and a JSON body (none for 204). */
export interface Canned {
  readonly status: number
  readonly body?: unknown
}

export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly requests: ReadonlyArray<Recorded>
}

const decoder = new TextDecoder()

/**
 * Runs `herald <args>` with these environment variables, Herald answering from
 * `routes` (`"GET /v1/webhooks"`; an unlisted route is a 404 with Herald's body).
 */
export const runHerald = async (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly routes?: Record<string, Canned> } = {}
): Promise<Outcome> => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      // The request holds its query apart from its URL, as fetch receives them joined.
      const url = Either.getOrThrow(UrlParams.makeUrl(request.url, request.urlParams, request.hash))
      const body = request.body._tag === "Uint8Array" ? JSON.parse(decoder.decode(request.body.body)) as unknown : undefined
      requests.push({ method: request.method, url, authorization: request.headers["authorization"], body })
      const canned = options.routes?.[`${request.method} ${url.pathname}`] ?? {
        status: 404,
        body: { status_code: 404, error: "not_found", message: `No route ${url.pathname}`, retryable: false }
      }
      const response = canned.body === undefined
        ? new Response(null, { status: canned.status })
        : new Response(JSON.stringify(canned.body), { status: canned.status, headers: { "content-type": "application/json" } })
      return HttpClientResponse.fromWeb(request, response)
    })
  )
  const stdout = vi.spyOn(console, "log").mockImplementation(() => {})
  const stderr = vi.spyOn(console, "error").mockImplementation(() => {})
  try {
    const code = await Effect.runPromise(
      Main.main(["node", "herald", ...args]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {})))),
        Effect.provide(Layer.merge(NodeContext.layer, Layer.succeed(HttpClient.HttpClient, client)))
      )
    )
    const printed = (spy: typeof stdout) => spy.mock.calls.map((call) => call.join(" ")).join("\n")
    return { code, stdout: printed(stdout), stderr: printed(stderr), requests }
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
  }
}

/** Environment with an API key. */
export const withKey = { HERALD_API_KEY: "hk_test_key" }
