/**
 * Builders for the conformance suites: domain values with sensible defaults,
 * unique teamspaces (so suites can share one Redis), and a poll for tests that
 * wait on real time.
 */
import { randomBytes } from "node:crypto"
import { Clock, Duration, Effect, Redacted } from "effect"
import {
  ApiKeyStore,
  Attempt,
  DeliveryJob,
  Event,
  type EventType,
  EventTypeStore,
  Ids,
  type Profile,
  Profiles,
  Signing,
  Webhook
} from "@herald/core"

/** Event types the suites use; any valid event type would do. */
export const typeA: EventType.EventType = "batch_prediction.completed"
/** A second event type for the suites. */
export const typeB: EventType.EventType = "batch_prediction.failed"
/** A third event type for the suites. */
export const typeC: EventType.EventType = "knowledge.processing.completed"

/**
 * The profile the suites register: the core never names a real one (they live
 * in `@herald/http`), so its tests deliver through this one. Its envelope is
 * `{id, event_type, timestamp, data}` with `timestamp` the signing time, signed
 * in `Fixture-Signature` as `t=<unix>,v1=<hex>`.
 */
export const profile: Profiles.ProfileDelivery = {
  name: "fixture",
  eventTypes: [typeA, typeB, typeC],
  wireFormat: {
    render: (event, t) =>
      `{"id":${JSON.stringify(event.id)},"event_type":${JSON.stringify(event.type)},"timestamp":${t},"data":${event.dataJson}}`,
    signatureHeaders: (secrets, _event, t, body) => ({ "Fixture-Signature": Signing.timestampedSignature(secrets, t, body) })
  }
}

/** A registry holding only `profile`. */
export const profilesLayer = Profiles.layer([profile])

/** A fresh teamspace per test: suites never see each other's data. */
export const teamspace = (prefix = "t"): Ids.TeamspaceId =>
  `${prefix}-${randomBytes(6).toString("hex")}` as Ids.TeamspaceId

/** A fixed base time, so ids made from `baseTime + n` sort by `n`. */
export const baseTime = Date.UTC(2026, 0, 1)

/** A signing secret with this key, created at `baseTime` and never expiring unless told. */
export const secret = (key: string, options?: { readonly createdAt?: number; readonly expiresAt?: number | null }) =>
  new Webhook.SigningSecret({
    key: Redacted.make(key),
    createdAt: options?.createdAt ?? baseTime,
    expiresAt: options?.expiresAt ?? null
  })

/** What `webhook` may be told; everything but the teamspace has a default. */
export interface WebhookOptions {
  readonly teamspace: Ids.TeamspaceId
  /** Creation time; also the time in the id unless `id` is given. */
  readonly time?: number
  readonly id?: Ids.WebhookId
  readonly events?: ReadonlyArray<EventType.EventType>
  readonly enabled?: boolean
  readonly url?: string
  readonly metadata?: Webhook.Metadata
  readonly profile?: Profile.Profile
  readonly disabledReason?: string | null
  readonly secrets?: ReadonlyArray<Webhook.SigningSecret>
}

/**
 * A webhook of the teamspace, subscribed to `typeA` at a public https URL through the fixture
 * profile, unless told otherwise.
 */
export const webhook = (options: WebhookOptions): Webhook.Webhook => {
  const time = options.time ?? Date.now()
  const [first = typeA, ...rest] = options.events ?? [typeA]
  const [firstSecret = secret("whsec_" + randomBytes(24).toString("base64")), ...moreSecrets] = options.secrets ?? []
  return new Webhook.Webhook({
    id: options.id ?? Ids.makeWebhookId(time),
    teamspace: options.teamspace,
    profile: options.profile ?? profile.name,
    url: options.url ?? "https://example.com/hook",
    events: [first, ...rest],
    enabled: options.enabled ?? true,
    disabledReason: options.disabledReason ?? null,
    metadata: options.metadata ?? {},
    secrets: [firstSecret, ...moreSecrets],
    createdAt: time,
    updatedAt: time
  })
}

/** A copy with some fields changed (Schema classes are immutable). */
export const withChanges = (hook: Webhook.Webhook, changes: Partial<Webhook.Webhook>): Webhook.Webhook =>
  new Webhook.Webhook({ ...hook, ...changes })

/** An event of the teamspace, of `typeA` with small data, unless told otherwise. */
export const event = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly id?: Ids.EventId
  readonly type?: EventType.EventType
  readonly data?: unknown
  readonly time?: number
}): Event.Event => {
  const time = options.time ?? Date.now()
  return new Event.Event({
    id: options.id ?? Ids.makeEventId(time),
    teamspace: options.teamspace,
    type: options.type ?? typeA,
    dataJson: JSON.stringify(options.data ?? { n: 1 }),
    createdAt: time
  })
}

/**
 * An attempt of a webhook and event at `time`: successful (200) unless told otherwise, a failure
 * scheduling the next attempt 5 s later.
 */
export const attempt = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly webhookId: Ids.WebhookId
  readonly eventId: Ids.EventId
  /** Time of the attempt, and of its id. */
  readonly time: number
  readonly attempt?: number
  readonly successful?: boolean
  readonly eventType?: EventType.EventType
}): Attempt.Attempt => {
  const successful = options.successful ?? true
  return new Attempt.Attempt({
    id: Ids.makeAttemptId(options.time),
    teamspace: options.teamspace,
    webhookId: options.webhookId,
    eventId: options.eventId,
    eventType: options.eventType ?? typeA,
    attempt: options.attempt ?? 1,
    url: "https://example.com/hook",
    attemptedAt: options.time,
    durationMs: 12,
    successful,
    responseStatus: successful ? 200 : 500,
    responseHeaders: { "content-type": "text/plain" },
    responseBody: successful ? "ok" : "boom",
    failure: successful ? null : "http_status",
    failureMessage: null,
    nextAttemptAt: successful ? null : options.time + 5_000
  })
}

/** A delivery job of this event to this webhook (attempt 1 unless told). */
export const job = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly eventId?: Ids.EventId
  readonly webhookId?: Ids.WebhookId
  readonly attempt?: number
}): DeliveryJob.DeliveryJob =>
  new DeliveryJob.DeliveryJob({
    teamspace: options.teamspace,
    eventId: options.eventId ?? Ids.makeEventId(),
    webhookId: options.webhookId ?? Ids.makeWebhookId(),
    attempt: options.attempt ?? 1
  })

/** An API key record of the teamspace with a random hash and the `webhooks:write` and `read` scopes. */
export const apiKey = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly label?: string
  readonly createdAt?: number
}): ApiKeyStore.ApiKey =>
  new ApiKeyStore.ApiKey({
    hash: randomBytes(32).toString("hex"),
    teamspace: options.teamspace,
    scopes: ["webhooks:write", "read"],
    label: options.label ?? "test key",
    createdAt: options.createdAt ?? baseTime
  })

/**
 * A portal session's key of the teamspace (`PortalSessions.open` makes them): a random hash, the
 * session's scopes, ending at `expiresAt` (epoch ms, by the real clock: Redis expires it by its
 * own), an hour from now unless told otherwise.
 */
export const sessionKey = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly expiresAt?: number
  readonly readOnly?: boolean
  readonly createdAt?: number
}): ApiKeyStore.ApiKey =>
  new ApiKeyStore.ApiKey({
    ...apiKey({
      teamspace: options.teamspace,
      label: options.readOnly === true ? "portal session (read-only)" : "portal session",
      ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt })
    }),
    scopes: options.readOnly === true ? ["read"] : ["webhooks:write", "read"],
    session: new ApiKeyStore.PortalSession({
      expiresAt: options.expiresAt ?? Date.now() + 60 * 60 * 1000,
      readOnly: options.readOnly ?? false,
      profile: profile.name
    })
  })

/**
 * An event type definition of the teamspace: `typeA` in the fixture profile, described, without
 * schema or example, not archived, created and updated at `baseTime`, unless told otherwise.
 */
export const eventTypeDefinition = (options: {
  readonly teamspace: Ids.TeamspaceId
  readonly profile?: Profile.Profile
  readonly name?: EventType.EventType
  readonly description?: string
  readonly schema?: string | null
  readonly example?: string | null
  readonly archived?: boolean
  readonly createdAt?: number
  readonly updatedAt?: number
}): EventTypeStore.EventTypeDefinition =>
  new EventTypeStore.EventTypeDefinition({
    teamspace: options.teamspace,
    profile: options.profile ?? profile.name,
    name: options.name ?? typeA,
    description: options.description ?? "A batch prediction completed.",
    schema: options.schema ?? null,
    example: options.example ?? null,
    archived: options.archived ?? false,
    createdAt: options.createdAt ?? baseTime,
    updatedAt: options.updatedAt ?? options.createdAt ?? baseTime
  })

/**
 * Polls `check` until it holds, on the real clock (use from `it.live`); dies
 * with `what` after `timeout` (generous: shared CI machines are slow).
 */
export const eventually = (
  what: string,
  check: Effect.Effect<boolean>,
  timeout: Duration.DurationInput = "10 seconds"
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(timeout)
    while (!(yield* check)) {
      if ((yield* Clock.currentTimeMillis) > deadline) return yield* Effect.dieMessage(`timed out waiting for: ${what}`)
      yield* Effect.sleep("10 millis")
    }
  })
