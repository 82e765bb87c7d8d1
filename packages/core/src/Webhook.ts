/**
 * A webhook subscription: a URL subscribed to event types in one teamspace, with
 * the secrets its deliveries are signed with.
 */
import { Redacted, Schema } from "effect"
import { EventType } from "./EventType.js"
import { TeamspaceId, WebhookId } from "./Ids.js"
import { Profile } from "./Profile.js"

/** Epoch milliseconds. */
export const Millis = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/**
 * One signing secret. Several are current during a rotation: each signs, so the
 * receiver can switch secrets without a flag day. `expiresAt` null = no end.
 */
export class SigningSecret extends Schema.Class<SigningSecret>("@herald/core/SigningSecret")({
  key: Schema.Redacted(Schema.String),
  createdAt: Millis,
  expiresAt: Schema.NullOr(Millis)
}) {}

/** The schema of a webhook's metadata: string keys to string values, the caller's own. */
export const Metadata = Schema.Record({ key: Schema.String, value: Schema.String })
/** A webhook's metadata (see the `Metadata` schema). */
export type Metadata = typeof Metadata.Type

/**
 * A stored webhook subscription: its URL, event types, profile, state, metadata, delivery options
 * (ordered, rate limit) and signing secrets. Created and changed through `Webhooks`;
 * `SubscriptionStore` adapters store it.
 */
export class Webhook extends Schema.Class<Webhook>("@herald/core/Webhook")({
  id: WebhookId,
  teamspace: TeamspaceId,
  profile: Profile,
  url: Schema.String,
  events: Schema.NonEmptyArray(EventType),
  enabled: Schema.Boolean,
  /** Why Herald disabled it (null when enabled or disabled by the user). */
  disabledReason: Schema.NullOr(Schema.String),
  metadata: Metadata,
  /**
   * Deliver one event at a time, first in first out: the next waits until the
   * one before succeeded or was given up. Absent in records written before it
   * existed, hence the default.
   */
  ordered: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** At most this many deliveries per second (a sliding window); null = no limit. */
  rateLimit: Schema.optionalWith(Schema.NullOr(Schema.Int.pipe(Schema.positive())), { default: () => null }),
  secrets: Schema.NonEmptyArray(SigningSecret),
  createdAt: Millis,
  updatedAt: Millis
}) {
  /** The secrets that sign a delivery made at `now`. */
  currentSecrets(now: number): ReadonlyArray<SigningSecret> {
    return this.secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
  }

  subscribesTo(eventType: EventType): boolean {
    return this.events.includes(eventType)
  }
}

/** Maps a non-empty array, keeping it non-empty in the type. */
export const mapNonEmpty = <A, B>(items: readonly [A, ...Array<A>], f: (item: A) => B): readonly [B, ...Array<B>] =>
  items.map(f) as unknown as readonly [B, ...Array<B>]

/**
 * The webhook with each signing secret's key passed through `f`: what a store adapter writes
 * (`SecretCipher`'s `encrypt`) and reads back (`decrypt`).
 */
export const mapSecretKeys = (webhook: Webhook, f: (key: string) => string): Webhook =>
  new Webhook({
    ...webhook,
    secrets: mapNonEmpty(webhook.secrets, (secret) =>
      new SigningSecret({ ...secret, key: Redacted.make(f(Redacted.value(secret.key))) }))
  })

/** What a caller supplies to create a webhook. */
export interface CreateWebhook {
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly enabled?: boolean | undefined
  readonly metadata?: Metadata | undefined
  /** The profile it is created through; the first registered one (`Profiles`) when absent. */
  readonly profile?: Profile | undefined
  readonly ordered?: boolean | undefined
  readonly rateLimit?: number | null | undefined
}

/** A partial update; absent fields are left as they are. */
export interface UpdateWebhook {
  readonly url?: string | undefined
  readonly events?: ReadonlyArray<string> | undefined
  readonly enabled?: boolean | undefined
  readonly metadata?: Metadata | undefined
  readonly ordered?: boolean | undefined
  /** null removes the limit. */
  readonly rateLimit?: number | null | undefined
}

/** A created webhook with its secret, which is shown this once. */
export interface CreatedWebhook {
  readonly webhook: Webhook
  readonly secret: string
}
