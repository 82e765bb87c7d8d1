/**
 * A `fetch` that records each request and answers from a script, for testing
 * the portal's API calls without a server.
 */

/** A request as the fake saw it. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** An answer: status, JSON body, headers. */
export interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** A fake fetch answering each request with `answer(request)`; `seen` lists the requests. */
export const fakeFetch = (answer: (request: Seen) => Answer) => {
  const seen: Array<Seen> = []
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: Seen = {
      method: init?.method ?? "GET",
      url: String(input),
      headers: { ...(init?.headers as Record<string, string> | undefined) },
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined
    }
    seen.push(request)
    const { status, body, headers } = answer(request)
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers }
    })
  }) as typeof fetch
  return { fetcher, seen }
}
