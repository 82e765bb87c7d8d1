/**
 * Herald for an application written without Effect: `createHerald(options)`
 * builds Herald once (the ports, the core services and, unless told otherwise,
 * the delivery loop) and answers with an object whose methods return Promises.
 * `publish` publishes; the groups are core's other services under their own
 * names (`webhooks`, `deliveryLog`, `replay`, `apiKeys`), their methods the
 * services' methods, with the teamspace as plain text. A refusal rejects with the domain's error
 * itself (`WebhookNotFound`, `InvalidInput`, ... exported here, so
 * `instanceof` and `_tag` work), a failure of the machinery with the original
 * `Error`. `close()` lets the calls running finish, stops the delivery loop
 * (deliveries in flight finish) and releases the stores' connections.
 *
 * For an Effect application, compose the layers instead (README, "Use Herald as
 * a library"): this module is that composition behind Promises.
 */
import {
  ApiKeys as ApiKeysModule,
  type ApiKeyStore,
  type Attempt as AttemptModule,
  DeliveryLog as DeliveryLogModule,
  DeliveryQueue as DeliveryQueueModule,
  Errors,
  type Event as EventModule,
  Ids,
  Publisher as PublisherModule,
  Replay as ReplayModule,
  type Webhook as WebhookModule,
  Webhooks as WebhooksModule
} from "@herald/core"
import { DEFAULT_PAGE_SIZE } from "@herald/http/contract/ApiParams"
import * as Protection from "@herald/http/edge/Protection"
import * as Exposition from "@herald/http/metrics/Exposition"
import * as NodeHandler from "@herald/http/NodeHandler"
import { RedisClient } from "@herald/redis"
import { Cause, Context, Data, Effect, Either, Exit, Layer, Logger, ManagedRuntime, Option, Redacted, Schema, Scope } from "effect"
import * as HeraldOptions from "./HeraldOptions.js"
import * as Ports from "./Ports.js"
import * as Process from "./Process.js"

// -----------------------------------------------------------------------------
// the domain's types and errors, for code that does not import @herald/core
// -----------------------------------------------------------------------------

/** A webhook: its URL, the event types it subscribes to, its profile, whether it is enabled. */
export type Webhook = WebhookModule.Webhook
/** What `webhooks.create` takes: `url`, `events`, and optionally `enabled`, `metadata`, the `profile`, `ordered` and a `rateLimit`. */
export type CreateWebhook = WebhookModule.CreateWebhook
/** What `webhooks.update` takes: the fields to change. */
export type UpdateWebhook = WebhookModule.UpdateWebhook
/** What `webhooks.create` answers: the webhook and its signing secret, shown this once. */
export type CreatedWebhook = WebhookModule.CreatedWebhook
/** One page of `webhooks.list`: the webhooks and whether more follow. */
export type WebhookPage = WebhooksModule.WebhookPage
/** What `publish` takes: the event `type`, its `data`, and optionally your own `id` (which makes a retry safe). */
export type PublishEvent = EventModule.PublishEvent
/** What `publish` answers: the stored event, how many deliveries were queued, and whether the id was a duplicate. */
export type Published = EventModule.Published
/** A stored event: id, type, data, teamspace and when it was published. */
export type Event = EventModule.Event
/** One delivery attempt: the webhook, the event, the response status (or the error), its duration and time. */
export type Attempt = AttemptModule.Attempt
/** One page of `deliveryLog.listEvents`. */
export type EventPage = DeliveryLogModule.EventPage
/** An event and, per webhook it was queued for, where its delivery stands. */
export type EventWithDeliveries = DeliveryLogModule.EventWithDeliveries
/** Where one delivery stands: pending, delivered, or failed for good. */
export type DeliveryStatus = DeliveryLogModule.DeliveryStatus

/** The input is well-formed but not acceptable: `issues` names each field (a bad URL, an unknown event type, a bad option). */
export const InvalidInput = Errors.InvalidInput
export type InvalidInput = Errors.InvalidInput
/** No webhook with that id in that teamspace. */
export const WebhookNotFound = Errors.WebhookNotFound
/** No webhook with that id in that teamspace. */
export type WebhookNotFound = Errors.WebhookNotFound
/** No event with that id in that teamspace (or it is past retention). */
export const EventNotFound = Errors.EventNotFound
/** No event with that id in that teamspace (or it is past retention). */
export type EventNotFound = Errors.EventNotFound
/** A publish reused an event id with another type or data. */
export const EventConflict = Errors.EventConflict
export type EventConflict = Errors.EventConflict
/** The event's data is larger than `maxEventDataBytes`. */
export const EventDataTooLarge = Errors.EventDataTooLarge
/** The event's data is larger than `maxEventDataBytes`. */
export type EventDataTooLarge = Errors.EventDataTooLarge

/** A Redis command or connection failed: `createHerald` cannot reach the Redis, or a call lost it. */
export const RedisError = RedisClient.RedisError
export type RedisError = RedisClient.RedisError

/** A call made after `close()`. */
export class HeraldClosed extends Data.TaggedError("HeraldClosed")<{ readonly method: string }> {
  override get message(): string {
    return `Herald is closed: ${this.method} was called after close(); create another with createHerald`
  }
}

/** What a call may reject with, besides the original `Error` of any other failure of the machinery. */
export type HeraldError =
  | InvalidInput
  | WebhookNotFound
  | EventNotFound
  | EventConflict
  | EventDataTooLarge
  | HeraldClosed
  | RedisError

// -----------------------------------------------------------------------------
// the facade
// -----------------------------------------------------------------------------

/** A page query whose size defaults to the API's (20). */
type Paged<Q extends { readonly limit: number }> = Omit<Q, "limit"> & { readonly limit?: number | undefined }

/** `herald.webhooks`: the Webhooks service (subscriptions of URLs to event types), per teamspace. */
export interface WebhooksApi {
  /** Subscribes `url` to event types; the secret is returned this once. */
  readonly create: (teamspace: string, input: CreateWebhook) => Promise<CreatedWebhook>
  readonly get: (teamspace: string, id: string) => Promise<Webhook>
  /** Oldest first unless `order: "desc"`; `after`/`before` take a webhook id from a previous page. */
  readonly list: (teamspace: string, query?: Paged<Omit<WebhooksModule.ListQuery, "cursorParam">>) => Promise<WebhookPage>
  /** Changes the fields given; the others stay. */
  readonly update: (teamspace: string, id: string, patch: UpdateWebhook) => Promise<Webhook>
  readonly remove: (teamspace: string, id: string) => Promise<void>
  /**
   * A new signing secret, returned this once; the current ones keep signing for
   * `overlapMs` (24 hours by default) so the receiver can switch.
   */
  readonly rotateSecret: (
    teamspace: string,
    id: string,
    options?: { readonly overlapMs?: number | undefined }
  ) => Promise<{ readonly webhook: Webhook; readonly secret: string; readonly previousExpiresAt: number | null }>
  /** The secret deliveries made now are signed with first. */
  readonly signingSecret: (teamspace: string, id: string) => Promise<string>
  readonly count: (teamspace: string) => Promise<number>
  /** Sends a `webhook.test` event to one webhook, whatever it subscribes to. */
  readonly sendTest: (teamspace: string, webhookId: string) => Promise<Event>
}

/** `herald.deliveryLog`: what was published and every attempt to deliver it. */
export interface DeliveryLogApi {
  /** A webhook's attempts, newest first; `cursor` is the last attempt id of the previous page. */
  readonly attemptsOf: (
    teamspace: string,
    webhookId: string,
    query?: Paged<DeliveryLogModule.AttemptPageQuery>
  ) => Promise<{ readonly data: ReadonlyArray<Attempt>; readonly hasMore: boolean }>
  /** An event, and where each of its deliveries stands. */
  readonly eventWithDeliveries: (teamspace: string, eventId: string) => Promise<EventWithDeliveries>
  /** A teamspace's events, newest first. */
  readonly listEvents: (teamspace: string, query?: Paged<Omit<DeliveryLogModule.EventPageQuery, "typesParam">>) => Promise<EventPage>
}

/** `herald.replay`: sending events again, one or a failed window of a webhook's. */
export interface ReplayApi {
  /** Delivers an event again, to one webhook or to every one it was attempted for; answers how many deliveries were queued. */
  readonly redeliver: (teamspace: string, eventId: string, options?: { readonly webhookId?: string | undefined }) => Promise<number>
  /** Sends again a webhook's deliveries whose latest attempt in [since, until) (epoch ms) failed; answers how many. */
  readonly recover: (
    teamspace: string,
    webhookId: string,
    window: { readonly since: number; readonly until?: number | undefined }
  ) => Promise<number>
}

/** An API key as listed: never the key itself, which is shown once by `issue` (Herald keeps only its hash). */
export interface ApiKey {
  /** What `apiKeys.revoke` takes. */
  readonly id: string
  readonly teamspace: string
  readonly scopes: ReadonlyArray<ApiKeyStore.Scope>
  readonly label: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

const apiKeyOf = (stored: ApiKeyStore.ApiKey): ApiKey => ({
  id: stored.id,
  teamspace: stored.teamspace,
  scopes: stored.scopes,
  label: stored.label,
  createdAt: stored.createdAt
})

/** `herald.apiKeys`: keys for Herald's HTTP API (`nodeHandler`), one teamspace each, stored hashed. */
export interface ApiKeysApi {
  /** A new key for `teamspace`, with every scope unless `scopes` narrows it; the key is returned this once. */
  readonly issue: (teamspace: string, options?: HeraldOptions.IssueKeyOptions) => Promise<{ readonly key: string; readonly apiKey: ApiKey }>
  /** A teamspace's keys. */
  readonly list: (teamspace: string) => Promise<ReadonlyArray<ApiKey>>
  /** Revokes the key with this id (`apiKey.id`) in `teamspace`; whether there was one. */
  readonly revoke: (teamspace: string, id: string) => Promise<boolean>
}

/** Herald in this process, answering with Promises; made by `createHerald`. */
export interface Herald {
  readonly webhooks: WebhooksApi
  /**
   * Stores the event and queues a delivery to each enabled webhook of the
   * teamspace subscribed to its type. Publishing an id again returns the stored
   * event and sends nothing again (`duplicate: true`), so a retry is safe.
   */
  readonly publish: (teamspace: string, input: PublishEvent) => Promise<Published>
  readonly deliveryLog: DeliveryLogApi
  readonly replay: ReplayApi
  readonly apiKeys: ApiKeysApi
  /**
   * Herald's HTTP API (every profile's routes, publishing, the delivery log,
   * the docs page) as a Node request listener, to mount in the application's
   * own server under `prefix`: hand it the requests `handler.serves(url)`
   * accepts. It authenticates with `apiKeys`. Request timeouts are the host
   * server's; close the server before `close()`.
   */
  readonly nodeHandler: (options?: HeraldOptions.NodeHandlerOptions) => Promise<NodeHandler.Handler>
  /**
   * This process's metrics (Herald's and any other Effect metric) in Prometheus' text format,
   * as `GET /metrics` answers them: serve it from the application's own metrics route, or merge
   * it into what the application exports. The queue's depth is read at each call.
   */
  readonly metrics: () => Promise<string>
  /**
   * Stops the delivery loop (deliveries in flight finish) and releases the
   * stores and their connections. Calls after it reject with `HeraldClosed`;
   * calling it again is harmless.
   */
  readonly close: () => Promise<void>
}

export type {
  HeraldOptions,
  IssueKeyOptions,
  LogLevelName,
  MemoryStorage,
  NodeHandlerOptions,
  RedisStorage
} from "./HeraldOptions.js"
export type { Handler as NodeHandler } from "@herald/http/NodeHandler"

const isTeamspace = Schema.is(Ids.TeamspaceId)

const teamspaceOf = (teamspace: string): Effect.Effect<Ids.TeamspaceId, InvalidInput> =>
  isTeamspace(teamspace) ? Effect.succeed(teamspace) : Effect.fail(
    InvalidInput.single(
      ["teamspace"],
      `teamspace must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit, not ${Errors.echo(String(teamspace))}`
    )
  )

/**
 * The error a call rejects with: the domain's error as it was failed, or the
 * defect's own `Error`, never Effect's wrapper around it.
 */
const rejection = (cause: Cause.Cause<unknown>): unknown => {
  const squashed = Cause.squash(cause)
  return squashed instanceof Error ? squashed : new Error(Cause.pretty(cause), { cause: squashed })
}

/** A page query with the API's default size when it gives none. */
const paged = <Q extends { readonly limit?: number | undefined }>(query: Q | undefined): Q & { readonly limit: number } => ({
  ...query as Q,
  limit: query?.limit ?? DEFAULT_PAGE_SIZE
})

/** The layer of `options`: the ports, the core services, the delivery loop unless `deliver` is false, the log level. */
const layerOf = (options: HeraldOptions.Resolved) => {
  const ports = Ports.chosen(options)
  const herald = options.deliver
    ? Process.workerOnly({ settings: options.settings, ports })
    : Process.services({ settings: options.settings, ports })
  return herald.pipe(Layer.provide(Logger.minimumLogLevel(options.logLevel)))
}

/**
 * Builds Herald and waits until it is ready (on Redis: connected). Rejects
 * with an `InvalidInput` naming each bad option, or with what stopped the
 * start (a Redis that cannot be reached).
 */
export const createHerald = async (options: HeraldOptions.HeraldOptions = {}): Promise<Herald> => {
  const resolved = HeraldOptions.resolve(options)
  if (Either.isLeft(resolved)) throw resolved.left
  const { profile } = resolved.right
  const runtime = ManagedRuntime.make(layerOf(resolved.right))
  const started = await Effect.runPromiseExit(runtime.runtimeEffect)
  if (Exit.isFailure(started)) {
    await runtime.dispose()
    throw rejection(started.cause)
  }

  // The services, taken once: their methods' effects need nothing more.
  const services = started.value.context
  const webhooksService = Context.get(services, WebhooksModule.Webhooks)
  const publisherService = Context.get(services, PublisherModule.Publisher)
  const deliveryLogService = Context.get(services, DeliveryLogModule.DeliveryLog)
  const replayService = Context.get(services, ReplayModule.Replay)
  const apiKeysService = Context.get(services, ApiKeysModule.ApiKeys)
  // Where the HTTP handlers live; closed before the runtime, so requests in flight finish first.
  const handlers = Effect.runSync(Scope.make())

  let closing: Promise<void> | undefined
  // The calls running: close() lets them finish before it releases what they use.
  const running = new Set<Promise<unknown>>()

  /** Runs `method`'s effect (refused with `HeraldClosed` once `close()` was called) and settles as its exit says. */
  const run = <A, E>(
    method: string,
    effect: () => Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>
  ): Promise<A> => {
    if (closing !== undefined) return Promise.reject(new HeraldClosed({ method }))
    // Through the runtime, so the call runs with its log level.
    const exit = runtime.runPromiseExit(Effect.suspend(effect))
    running.add(exit)
    void exit.finally(() => running.delete(exit))
    return exit.then((result) => {
      if (Exit.isSuccess(result)) return result.value
      throw rejection(result.cause)
    })
  }

  /** A call of `method` for `teamspace`, checked first. */
  const call = <A, E>(method: string, teamspace: string, f: (teamspace: Ids.TeamspaceId) => Effect.Effect<A, E>): Promise<A> =>
    run(method, () => Effect.flatMap(teamspaceOf(teamspace), f))

  /** Waits for the calls running, closes the HTTP handlers (their requests in flight finish), then releases the rest. */
  const shutdown = async () => {
    await Promise.allSettled([...running])
    await Effect.runPromise(Scope.close(handlers, Exit.void))
    await runtime.dispose()
  }

  const webhooks: WebhooksApi = {
    create: (teamspace, input) =>
      call("webhooks.create", teamspace, (t) => webhooksService.create(t, { ...input, profile: input.profile ?? profile })),
    get: (teamspace, id) => call("webhooks.get", teamspace, (t) => webhooksService.get(t, id)),
    list: (teamspace, query) => call("webhooks.list", teamspace, (t) => webhooksService.list(t, paged(query))),
    update: (teamspace, id, patch) => call("webhooks.update", teamspace, (t) => webhooksService.update(t, id, patch)),
    remove: (teamspace, id) => call("webhooks.remove", teamspace, (t) => webhooksService.remove(t, id)),
    rotateSecret: (teamspace, id, options) =>
      call("webhooks.rotateSecret", teamspace, (t) => webhooksService.rotateSecret(t, id, options)),
    signingSecret: (teamspace, id) => call("webhooks.signingSecret", teamspace, (t) => webhooksService.signingSecret(t, id)),
    count: (teamspace) => call("webhooks.count", teamspace, (t) => webhooksService.count(t)),
    sendTest: (teamspace, webhookId) => call("webhooks.sendTest", teamspace, (t) => publisherService.sendTest(t, webhookId))
  }
  const publish: Herald["publish"] = (teamspace, input) => call("publish", teamspace, (t) => publisherService.publish(t, input))
  const deliveryLog: DeliveryLogApi = {
    attemptsOf: (teamspace, webhookId, query) =>
      call("deliveryLog.attemptsOf", teamspace, (t) => deliveryLogService.attemptsOf(t, webhookId, paged(query))),
    eventWithDeliveries: (teamspace, eventId) =>
      call("deliveryLog.eventWithDeliveries", teamspace, (t) => deliveryLogService.eventWithDeliveries(t, eventId)),
    listEvents: (teamspace, query) => call("deliveryLog.listEvents", teamspace, (t) => deliveryLogService.listEvents(t, paged(query)))
  }
  const replay: ReplayApi = {
    redeliver: (teamspace, eventId, options) =>
      call("replay.redeliver", teamspace, (t) => replayService.redeliver(t, eventId, options ?? {})),
    recover: (teamspace, webhookId, window) => call("replay.recover", teamspace, (t) => replayService.recover(t, webhookId, window))
  }

  const apiKeys: ApiKeysApi = {
    issue: (teamspace, options) =>
      call("apiKeys.issue", teamspace, (t) =>
        Effect.flatMap(HeraldOptions.resolveIssueKey(options), (checked) =>
          Effect.map(
            apiKeysService.issue(t, checked),
            ({ key, record }) => ({ key: Redacted.value(key), apiKey: apiKeyOf(record) })
          ))),
    list: (teamspace) => call("apiKeys.list", teamspace, (t) => Effect.map(apiKeysService.list(t), (keys) => keys.map(apiKeyOf))),
    // By id, within the teamspace: an id of another teamspace's key revokes nothing.
    revoke: (teamspace, id) =>
      call("apiKeys.revoke", teamspace, (t) =>
        Effect.flatMap(apiKeysService.findById(id), (found) =>
          Option.isSome(found) && found.value.teamspace === t
            ? Effect.map(apiKeysService.revokeById(id), Option.isSome)
            : Effect.succeed(false)))
  }

  const nodeHandler = (handlerOptions?: HeraldOptions.NodeHandlerOptions): Promise<NodeHandler.Handler> =>
    run("nodeHandler", () =>
      Effect.flatMap(HeraldOptions.resolveNodeHandler(handlerOptions), (checked) =>
        NodeHandler.make({ prefix: checked.prefix, requestLog: checked.requestLog, portal: checked.portal }).pipe(
          Effect.provide(Protection.layer(checked.protection)),
          Scope.extend(handlers)
        )))

  let exposition: Exposition.Render | undefined
  const metrics = (): Promise<string> =>
    run("metrics", () =>
      exposition !== undefined ? exposition : Effect.flatMap(
        Effect.flatMap(Effect.serviceOption(DeliveryQueueModule.DeliveryQueue), Exposition.make),
        (made) => (exposition = made)
      ))

  return {
    webhooks,
    publish,
    deliveryLog,
    replay,
    apiKeys,
    nodeHandler,
    metrics,
    close: () => (closing ??= shutdown())
  }
}
