/**
 * Herald's API behind Promises, for code without Effect: `new Herald({ url, apiKey })`
 * and then `herald.events.publish(...)`, `herald.webhooks.list()`, ... Every call
 * is a call of the derived Effect client (`HeraldClient`), run to a Promise, so
 * the routes and schemas are the contract's: inputs and answers use its wire
 * names (`event_type`, `next_cursor`), and nothing is declared twice. A call
 * rejects with a `HeraldError` (of its status's subclass, e.g.
 * `HeraldNotFoundError`) when Herald refuses, and a `HeraldConnectionError`
 * when Herald could not be reached or its answer read.
 */
import { FetchHttpClient, HttpClient, type HttpClientResponse } from "@effect/platform"
import { Cause, Effect, Exit, FiberRef, Layer } from "effect"
import * as HeraldClient from "./HeraldClient.js"
import * as HeraldError from "./HeraldError.js"

/** Where Herald is, the API key to call it with, and optionally the `fetch` to call it through. */
export interface HeraldOptions extends HeraldClient.ClientOptions {
  /** The `fetch` to send requests with (e.g. one with a proxy agent, or a test's); the global one by default. */
  readonly fetch?: typeof globalThis.fetch
}

/** What a method of the derived client takes as its JSON body (`payload`), e.g. `BodyOf<Client["events"]["publish"]>`. */
export type BodyOf<Method> = Method extends (request: infer Request) => unknown
  ? Request extends { readonly payload: infer Body } ? Body : never
  : never

/** What a method of the derived client takes as its query parameters (`urlParams`). */
export type QueryOf<Method> = Method extends (request: infer Request) => unknown
  ? Request extends { readonly urlParams: infer Query } ? Query : never
  : never

type Client = HeraldClient.Client

// The answer a call got, if it got that far: a declared error's class keeps
// only the body (its X-Request-Id and Retry-After are in the answer), a
// ParseError of the answer does not say which request it answered, and one of
// the input means none was sent.
const answered = FiberRef.unsafeMake<HttpClientResponse.HttpClientResponse | undefined>(undefined)

const transport = (fetch: typeof globalThis.fetch | undefined) => {
  const recording = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, HttpClient.tap((response) => FiberRef.set(answered, response)))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  // The derived client keeps the context it was made in, so a `Fetch` given here is the one its calls use.
  return fetch === undefined ? recording : Layer.merge(recording, Layer.succeed(FetchHttpClient.Fetch, fetch))
}

/** One call of the derived client as a Promise, rejecting with the error `HeraldError.fromFailure` makes of its failure. */
const run = async <A, E>(call: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(
    Effect.catchAll(call, (failure) =>
      Effect.flatMap(FiberRef.get(answered), (response) => Effect.flatMap(HeraldError.fromFailure(failure, response), Effect.fail)))
  )
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/** The groups of the Promise client over a derived client. */
const groups = (client: Client) => ({
  /** Publishing, the event log and redelivery. */
  events: {
    /** Publishes an event to every enabled webhook subscribed to its type (`POST /v1/events`). */
    publish: (body: BodyOf<Client["events"]["publish"]>) => run(client.events.publish({ payload: body })),
    /**
     * Publishes up to 500 events in one request (`POST /v1/events/batch`): a result per event, in
     * order, each `accepted`, `duplicate` or `rejected` with its error; check each one.
     */
    publishBatch: (events: ReadonlyArray<BodyOf<Client["events"]["publish"]>>) =>
      run(client.events.publishBatch({ payload: { events } })),
    /** A page of the teamspace's events, newest first; pass `next_cursor` as `cursor` for the next. */
    list: (query: QueryOf<Client["deliveries"]["listEvents"]> = {}) =>
      run(client.deliveries.listEvents({ urlParams: query })),
    /** An event and where its delivery to each webhook stands. */
    get: (eventId: string) => run(client.deliveries.retrieveEvent({ path: { event_id: eventId } })),
    /** Delivers an event again now: to every webhook it was attempted for, or to `webhook_id`. */
    redeliver: (eventId: string, body: BodyOf<Client["deliveries"]["redeliver"]> = {}) =>
      run(client.deliveries.redeliver({ path: { event_id: eventId }, payload: body }))
  },
  /** Webhook subscriptions (Datagrid profile), their secrets, attempts and recovery. */
  webhooks: {
    /** Creates a webhook; its signing secret is in this answer only. */
    create: (body: BodyOf<Client["webhooks"]["create"]>) => run(client.webhooks.create({ payload: body })),
    /** A page of the teamspace's webhooks, oldest first; pass `next_cursor` as `cursor` for the next. */
    list: (query: QueryOf<Client["webhooks"]["list"]> = {}) => run(client.webhooks.list({ urlParams: query })),
    /** Every enabled webhook subscribed to an event type: those a publish of it delivers to now. */
    listActive: (eventType: string) =>
      run(client.webhooks.listActiveForEvent({ urlParams: { event_type: eventType } })),
    /** One webhook, without its secret. */
    get: (webhookId: string) => run(client.webhooks.retrieve({ path: { webhook_id: webhookId } })),
    /** Changes the fields sent; the others keep their values. */
    update: (webhookId: string, body: BodyOf<Client["webhooks"]["update"]>) =>
      run(client.webhooks.update({ path: { webhook_id: webhookId }, payload: body })),
    /** Deletes a webhook; deliveries still queued for it are dropped. */
    delete: (webhookId: string) => run(client.webhooks.delete({ path: { webhook_id: webhookId } })),
    /** Issues a new signing secret; the old one keeps signing for `overlap_seconds` (a day by default). */
    rotateSecret: (webhookId: string, body: BodyOf<Client["webhooks"]["rotateSecret"]> = {}) =>
      run(client.webhooks.rotateSecret({ path: { webhook_id: webhookId }, payload: body })),
    /** The secret deliveries are signed with first. */
    getSecret: (webhookId: string) => run(client.webhooks.retrieveSecret({ path: { webhook_id: webhookId } })),
    /** Delivers a `webhook.test` event to this webhook only. */
    sendTest: (webhookId: string) => run(client.events.sendTest({ path: { webhook_id: webhookId } })),
    /** A page of the webhook's delivery attempts, newest first; filter by `successful` or `event_type`. */
    attempts: (webhookId: string, query: QueryOf<Client["deliveries"]["listAttempts"]> = {}) =>
      run(client.deliveries.listAttempts({ path: { webhook_id: webhookId }, urlParams: query })),
    /** Sends again every delivery to this webhook whose last attempt, in [`since`, `until`), failed. */
    recover: (webhookId: string, body: BodyOf<Client["deliveries"]["recover"]>) =>
      run(client.deliveries.recover({ path: { webhook_id: webhookId }, payload: body }))
  },
  /** The teamspace's event type catalog. */
  eventTypes: {
    /** A page of the catalog, by profile then name; archived types only with `include_archived`. */
    list: (query: QueryOf<Client["eventTypes"]["list"]> = {}) => run(client.eventTypes.list({ urlParams: query })),
    /** One event type of a profile's catalog (the default profile's unless `profile` says). */
    get: (name: string, query: QueryOf<Client["eventTypes"]["retrieve"]> = {}) =>
      run(client.eventTypes.retrieve({ path: { name }, urlParams: query })),
    /** Registers an event type, with a description, a JSON Schema and an example. */
    create: (body: BodyOf<Client["eventTypes"]["create"]>) => run(client.eventTypes.create({ payload: body })),
    /** Changes an event type's description, schema or example, or restores it (`archived: false`). */
    update: (
      name: string,
      body: BodyOf<Client["eventTypes"]["update"]>,
      query: QueryOf<Client["eventTypes"]["update"]> = {}
    ) => run(client.eventTypes.update({ path: { name }, payload: body, urlParams: query })),
    /** Archives an event type: no new subscription or publish may use it. */
    archive: (name: string, query: QueryOf<Client["eventTypes"]["archive"]> = {}) =>
      run(client.eventTypes.archive({ path: { name }, urlParams: query }))
  },
  /** The customer webhook portal. */
  portal: {
    /** Opens a portal session for the teamspace: send the customer to its `url`. */
    createSession: (body: BodyOf<Client["portal"]["openSession"]> = {}) =>
      run(client.portal.openSession({ payload: body }))
  }
})

/**
 * A Promise client of the Herald at `options.url`, calling it with `options.apiKey`.
 * Nothing is sent until a method is called; there is nothing to close.
 */
export const createClient = (options: HeraldOptions) => {
  // Checked here: an undefined key (an unset environment variable) would fail deep inside the first call.
  if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
    throw new TypeError("createClient: apiKey must be one of your teamspace's API keys (hk_...), e.g. the one in HERALD_API_KEY")
  }
  if (typeof options.url !== "string" || !URL.canParse(options.url)) {
    throw new TypeError(`createClient: url must be Herald's base URL, e.g. http://127.0.0.1:8080, not ${String(options.url)}`)
  }
  return groups(Effect.runSync(HeraldClient.make(options).pipe(Effect.provide(transport(options.fetch)))))
}

/** The Promise client: its groups `events`, `webhooks`, `eventTypes` and `portal`. */
export type Herald = ReturnType<typeof createClient>
