/**
 * The webhook subscriptions a teamspace manages: validation, secrets and
 * timestamps over the `SubscriptionStore` port.
 */
import { Clock, Effect, Option, Redacted } from "effect"
import { echo, InvalidInput, Issue, MAX_REPORTED_ISSUES, WebhookNotFound } from "./Errors.js"
import { describeUnknown, type EventType } from "./EventType.js"
import { describeRefused, EventTypes, type TeamspaceCatalog } from "./EventTypes.js"
import { isWebhookId, makeWebhookId, type TeamspaceId, type WebhookId } from "./Ids.js"
import type { Profile } from "./Profile.js"
import { Profiles } from "./Profiles.js"
import { HealthStore } from "./HealthStore.js"
import * as ListenerRelay from "./ListenerRelay.js"
import { Sequencer } from "./Sequencer.js"
import { generateSecret } from "./Signing.js"
import { type PageQuery, SubscriptionStore } from "./SubscriptionStore.js"
import { UrlPolicy } from "./UrlPolicy.js"
import * as WellFormedText from "./WellFormedText.js"
import {
  type CreatedWebhook,
  type CreateWebhook,
  type Metadata,
  SigningSecret,
  type UpdateWebhook,
  Webhook
} from "./Webhook.js"

/** The most metadata entries a webhook may have. */
export const MAX_METADATA_KEYS = 50
/** The longest metadata value, in characters. */
export const MAX_METADATA_VALUE_LENGTH = 1000
/**
 * Exa documents no limit on keys (only values, 1000 characters). A key is a
 * name: 256 characters is more than any name needs, less than a value may be,
 * and keeps 50 entries of stored metadata near 60 KiB.
 */
export const MAX_METADATA_KEY_LENGTH = 256
/** The largest page any list returns (`limit`). */
export const MAX_PAGE_SIZE = 100
/** The highest per-webhook delivery rate limit, per second. */
export const MAX_RATE_LIMIT = 10_000
/** How long a rotated-out secret keeps signing, by default: receivers switch without a flag day. */
export const DEFAULT_SECRET_OVERLAP_MS = 24 * 3_600_000
/** The longest a rotated-out secret may keep signing: 7 days. */
export const MAX_SECRET_OVERLAP_MS = 7 * 24 * 3_600_000
/** Old secrets kept signing at once; more rotations within an overlap drop the oldest. */
export const MAX_OLD_SECRETS = 4

/** A page size within bounds, or the error that names the parameter. */
export const checkLimit = (limit: number): Effect.Effect<number, InvalidInput> =>
  Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE
    ? Effect.succeed(limit)
    : Effect.fail(InvalidInput.single(["limit"], `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`))

/**
 * A page of a teamspace's webhooks for `Webhooks.list`: at most `limit`, by id (creation time) in
 * `order`, after or before a cursor (a webhook id), or from an offset.
 */
export interface ListQuery {
  readonly limit: number
  readonly after?: string | undefined
  readonly before?: string | undefined
  /** The parameter the cursor in `after` or `before` was sent as, which a refusal names; `after` and `before` by default. */
  readonly cursorParam?: string | undefined
  readonly order?: "asc" | "desc" | undefined
  /**
   * Webhooks to skip first, for page-number pagination. Skipping reads them, a
   * bounded page at a time: its cost grows with the offset.
   */
  readonly offset?: number | undefined
}

/** A page of webhooks, and whether more lie beyond it. */
export interface WebhookPage {
  readonly data: ReadonlyArray<Webhook>
  /** Whether more items lie beyond this page in the direction of travel. */
  readonly hasMore: boolean
}

/**
 * The webhook subscriptions service: `create` (returns the webhook and its first signing secret),
 * `createListening` (the same, delivered to `herald listen`), `get`, `update`, `remove`, `rotateSecret`, `signingSecret`, `list`, `count` and `active` (the
 * fan-out set). Validates URLs (`UrlPolicy`), event types (`EventCatalog`), metadata and rate
 * limits, failing with `InvalidInput`; an unknown or foreign id fails with `WebhookNotFound`.
 *
 * Needs the `SubscriptionStore` and `HealthStore` ports, `Profiles`, `EventCatalog`, `UrlPolicy`
 * and `Sequencer`; part of `Herald.servicesLayer`.
 */
export class Webhooks extends Effect.Service<Webhooks>()("@herald/core/Webhooks", {
  effect: Effect.gen(function*() {
    const store = yield* SubscriptionStore
    const eventTypes = yield* EventTypes
    const profiles = yield* Profiles
    const urlPolicy = yield* UrlPolicy
    const health = yield* HealthStore
    const sequencer = yield* Sequencer

    /** `events`, when each is in `catalog` for `profile` or among `kept`; else the first issues. */
    const checkEvents = (
      catalog: TeamspaceCatalog,
      profile: Profile,
      events: ReadonlyArray<string>,
      kept: ReadonlySet<string>
    ): Effect.Effect<readonly [EventType, ...Array<EventType>], InvalidInput> => {
      const allowed = catalog.forProfile(profile)
      // Counted in all, but only the first few made: the list can be as long as the body allows.
      const issues: Array<Issue> = []
      let count = 0
      const issue = (path: ReadonlyArray<string | number>, message: string) => {
        if (count++ < MAX_REPORTED_ISSUES) issues.push(new Issue({ path: [...path], message }))
      }
      if (events.length === 0) issue(["events"], "events must not be empty")
      const seen = new Set<string>()
      // The first unknown type says what is accepted; the others only name themselves, so that
      // the message does not repeat the list once per item.
      let listed = false
      events.forEach((event, index) => {
        if (!allowed.has(event) && !kept.has(event)) {
          const message = listed ? describeUnknown(event) : describeRefused(catalog, event, profile)
          listed = true
          issue(["events", index], message)
        } else if (seen.has(event)) {
          issue(["events", index], `duplicate event type "${event}"`)
        }
        seen.add(event)
      })
      return count === 0
        ? Effect.succeed(events as unknown as readonly [EventType, ...Array<EventType>])
        : Effect.fail(InvalidInput.of(issues, count))
    }

    /**
     * `events`, when each is in the teamspace's catalog for `profile`, or among `kept` (what the
     * webhook subscribed to before: a type archived since stays subscribed).
     */
    const validateEvents = (
      teamspace: TeamspaceId,
      profile: Profile,
      events: ReadonlyArray<string>,
      kept: ReadonlySet<string> = new Set()
    ) =>
      Effect.flatMap(
        eventTypes.catalog(teamspace, (catalog) => {
          const allowed = catalog.forProfile(profile)
          return events.every((event) => allowed.has(event) || kept.has(event))
        }),
        (catalog) => checkEvents(catalog, profile, events, kept)
      )

    const validateMetadata = (metadata: Metadata): Effect.Effect<Metadata, InvalidInput> => {
      const entries = Object.entries(metadata)
      if (entries.length > MAX_METADATA_KEYS) {
        return Effect.fail(InvalidInput.single(["metadata"], `metadata may have at most ${MAX_METADATA_KEYS} keys`))
      }
      const longKey = entries.find(([key]) => key.length > MAX_METADATA_KEY_LENGTH)
      if (longKey !== undefined) {
        return Effect.fail(InvalidInput.single(
          ["metadata"],
          `metadata keys must be at most ${MAX_METADATA_KEY_LENGTH} characters; one has ${longKey[0].length}`
        ))
      }
      const long = entries.find(([, value]) => value.length > MAX_METADATA_VALUE_LENGTH)
      if (long !== undefined) {
        return Effect.fail(
          InvalidInput.single(["metadata", long[0]], `metadata values must be at most ${MAX_METADATA_VALUE_LENGTH} characters`)
        )
      }
      const illFormed = WellFormedText.check(metadata, ["metadata"])
      return illFormed === undefined ? Effect.succeed(metadata) : Effect.fail(illFormed)
    }

    const validateRateLimit = (rateLimit: number | null): Effect.Effect<number | null, InvalidInput> =>
      rateLimit === null || (Number.isInteger(rateLimit) && rateLimit >= 1 && rateLimit <= MAX_RATE_LIMIT)
        ? Effect.succeed(rateLimit)
        : Effect.fail(
          InvalidInput.single(["rate_limit"], `rate_limit must be an integer from 1 to ${MAX_RATE_LIMIT} (deliveries per second), or null`)
        )

    const parseId = (id: string): Effect.Effect<WebhookId, WebhookNotFound> =>
      isWebhookId(id) ? Effect.succeed(id) : Effect.fail(new WebhookNotFound({ id }))

    const get = (teamspace: TeamspaceId, id: string) =>
      parseId(id).pipe(
        Effect.flatMap((webhookId) => store.get(teamspace, webhookId)),
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new WebhookNotFound({ id })),
          onSome: Effect.succeed
        }))
      )

    const create = (teamspace: TeamspaceId, input: CreateWebhook) =>
      Effect.flatMap(urlPolicy.accept(input.url), (url) => insert(teamspace, input, url.href))

    /**
     * A webhook delivered to `herald listen`'s stream (`ListenerRelay`) rather than to a URL: its
     * URL names the listener, and the URL policy does not apply, as nothing is dialled. Only this
     * makes such a URL: `create` and `update` refuse its scheme.
     */
    const createListening = (teamspace: TeamspaceId, input: Omit<CreateWebhook, "url">, listenerId: string) =>
      insert(teamspace, input, ListenerRelay.urlOf(listenerId))

    const insert = (teamspace: TeamspaceId, input: Omit<CreateWebhook, "url">, url: string) =>
      Effect.gen(function*() {
        const profile = input.profile ?? profiles.all[0].name
        const events = yield* validateEvents(teamspace, profile, input.events)
        const metadata = yield* validateMetadata(input.metadata ?? {})
        const rateLimit = yield* validateRateLimit(input.rateLimit ?? null)
        const now = yield* Clock.currentTimeMillis
        const secret = generateSecret()
        const webhook = new Webhook({
          id: makeWebhookId(now),
          teamspace,
          profile,
          url,
          events,
          enabled: input.enabled ?? true,
          disabledReason: null,
          metadata,
          ordered: input.ordered ?? false,
          rateLimit,
          secrets: [new SigningSecret({ key: Redacted.make(secret), createdAt: now, expiresAt: null })],
          createdAt: now,
          updatedAt: now
        })
        yield* store.insert(webhook)
        return { webhook, secret } satisfies CreatedWebhook
      })

    const update = (teamspace: TeamspaceId, id: string, patch: UpdateWebhook) =>
      Effect.gen(function*() {
        const current = yield* get(teamspace, id)
        const url = patch.url === undefined ? current.url : (yield* urlPolicy.accept(patch.url)).href
        const events = patch.events === undefined
          ? current.events
          : yield* validateEvents(teamspace, current.profile, patch.events, new Set(current.events))
        const metadata = patch.metadata === undefined ? current.metadata : yield* validateMetadata(patch.metadata)
        const enabled = patch.enabled ?? current.enabled
        const ordered = patch.ordered ?? current.ordered
        const rateLimit = patch.rateLimit === undefined ? current.rateLimit : yield* validateRateLimit(patch.rateLimit)
        const now = yield* Clock.currentTimeMillis
        const next = new Webhook({
          ...current,
          url,
          events,
          metadata,
          enabled,
          ordered,
          rateLimit,
          // Re-enabling clears Herald's reason for having disabled it.
          disabledReason: enabled ? null : current.disabledReason,
          updatedAt: Math.max(now, current.updatedAt)
        })
        const stored = yield* store.update(next)
        if (!stored) return yield* Effect.fail(new WebhookNotFound({ id }))
        // Re-enabled: the endpoint gets a fresh failure window.
        if (enabled && !current.enabled) yield* health.reset(teamspace, current.id)
        // No longer ordered: what was waiting its turn goes now.
        if (current.ordered && !ordered) yield* sequencer.release(teamspace, current.id)
        return next
      })

    const remove = (teamspace: TeamspaceId, id: string) =>
      Effect.gen(function*() {
        const webhookId = yield* parseId(id)
        if (!(yield* store.remove(teamspace, webhookId))) return yield* Effect.fail(new WebhookNotFound({ id }))
        yield* sequencer.discard(teamspace, webhookId)
      })

    const parseCursor = (name: string, cursor: string | undefined): Effect.Effect<WebhookId | undefined, InvalidInput> =>
      cursor === undefined || isWebhookId(cursor)
        ? Effect.succeed(cursor)
        : Effect.fail(InvalidInput.single([name], `${name} must be a cursor from a previous page of this list, not ${echo(cursor)}`))

    const list = (teamspace: TeamspaceId, query: ListQuery) =>
      Effect.gen(function*() {
        yield* checkLimit(query.limit)
        const offset = query.offset ?? 0
        if (!Number.isSafeInteger(offset) || offset < 0) {
          return yield* Effect.fail(InvalidInput.single(["offset"], "offset must be a non-negative integer"))
        }
        let bounds: PageQuery = {
          limit: query.limit + 1,
          after: yield* parseCursor(query.cursorParam ?? "after", query.after),
          before: yield* parseCursor(query.cursorParam ?? "before", query.before),
          order: query.order ?? "asc"
        }
        // Skip by moving the bound the page starts from past each skipped chunk.
        for (let skip = offset; skip > 0;) {
          const chunk = yield* store.list(teamspace, { ...bounds, limit: Math.min(skip, MAX_PAGE_SIZE) })
          const last = chunk.at(-1)
          if (last === undefined) break
          bounds = bounds.order === "asc" ? { ...bounds, after: last.id } : { ...bounds, before: last.id }
          skip -= chunk.length
        }
        const rows = yield* store.list(teamspace, bounds)
        return { data: rows.slice(0, query.limit), hasMore: rows.length > query.limit } satisfies WebhookPage
      })

    const active = (teamspace: TeamspaceId, eventType: string): Effect.Effect<ReadonlyArray<Webhook>, InvalidInput> =>
      Effect.flatMap(eventTypes.catalog(teamspace, (catalog) => catalog.publishable.has(eventType)), (catalog) =>
        catalog.publishable.has(eventType)
          ? store.active(teamspace, eventType)
          : Effect.fail(InvalidInput.single(["event_type"], describeRefused(catalog, eventType))))

    /** The secret a delivery made now is signed with first (the newest current one). */
    const signingSecret = (teamspace: TeamspaceId, id: string) =>
      Effect.gen(function*() {
        const webhook = yield* get(teamspace, id)
        const now = yield* Clock.currentTimeMillis
        const [newest] = webhook.currentSecrets(now)
        // The newest secret never expires (rotation only ends older ones), so there always is one.
        return Redacted.value((newest ?? webhook.secrets[0]).key)
      })

    /**
     * A new signing secret, returned this once. The secrets that were current keep
     * signing (a second `v1=`) until `overlapMs` from now, so receivers can switch.
     */
    const rotateSecret = (teamspace: TeamspaceId, id: string, options?: { readonly overlapMs?: number | undefined }) =>
      Effect.gen(function*() {
        const overlapMs = options?.overlapMs ?? DEFAULT_SECRET_OVERLAP_MS
        if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_SECRET_OVERLAP_MS) {
          return yield* Effect.fail(
            InvalidInput.single(["overlap_seconds"], `overlap must be from 0 to ${MAX_SECRET_OVERLAP_MS / 1000} seconds`)
          )
        }
        const current = yield* get(teamspace, id)
        const now = yield* Clock.currentTimeMillis
        const until = now + overlapMs
        const retiring = current.currentSecrets(now)
          .slice(0, MAX_OLD_SECRETS)
          .filter(() => overlapMs > 0)
          .map((old) =>
            new SigningSecret({ ...old, expiresAt: old.expiresAt === null ? until : Math.min(old.expiresAt, until) })
          )
        const secret = generateSecret()
        const next = new Webhook({
          ...current,
          secrets: [new SigningSecret({ key: Redacted.make(secret), createdAt: now, expiresAt: null }), ...retiring],
          updatedAt: Math.max(now, current.updatedAt)
        })
        if (!(yield* store.update(next))) return yield* Effect.fail(new WebhookNotFound({ id }))
        return { webhook: next, secret, previousExpiresAt: retiring.length > 0 ? until : null }
      })

    return {
      create,
      createListening,
      get,
      update,
      remove,
      rotateSecret,
      signingSecret,
      list,
      count: store.count,
      active
    } as const
  })
}) {}
