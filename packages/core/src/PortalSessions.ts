/**
 * Portal sessions: a provider's backend opens one for a customer's teamspace
 * and hands its token to the customer's browser, where the portal page manages
 * that teamspace's webhooks through the HTTP API. The token is an API key of the
 * teamspace (stored hashed, like every key) that ends (`PortalSession`): `read`
 * only, or `read` and `webhooks:write`; never `events:publish`. The HTTP edge
 * also keeps it from what stays with the provider (`Scopes.KeysOnly`).
 */
import { randomBytes } from "node:crypto"
import { Clock, Effect, Redacted } from "effect"
import { allScopes, hashKey, SESSION_TOKEN_PREFIX } from "./ApiKeys.js"
import { ApiKey, ApiKeyStore, PortalSession, type Scope } from "./ApiKeyStore.js"
import { InvalidInput } from "./Errors.js"
import type { TeamspaceId } from "./Ids.js"
import { Profiles, refusal } from "./Profiles.js"

/** How long a session lasts unless asked otherwise: an hour. */
export const DEFAULT_DURATION_SECONDS = 3_600
/** The shortest session: a minute. */
export const MIN_DURATION_SECONDS = 60
/** The longest session: a day. */
export const MAX_DURATION_SECONDS = 86_400

/** What opening a session takes: read-only or not, how long it lasts, and the profile the page works through. */
export interface OpenSession {
  readonly readOnly?: boolean | undefined
  /** Seconds; `DEFAULT_DURATION_SECONDS` when absent. */
  readonly expiresIn?: number | undefined
  /** The default profile when absent. */
  readonly profile?: string | undefined
}

/** A new session: its token (shown this once) and its stored record. */
export interface OpenedSession {
  readonly token: Redacted.Redacted<string>
  readonly key: ApiKey
  readonly session: PortalSession
}

/** A session token: `hps_` + 32 random bytes, base64url; told apart from an API key (`hk_`) at a glance. */
export const generateToken = (): string => SESSION_TOKEN_PREFIX + randomBytes(32).toString("base64url")

/** The scopes of a session: reading, and managing webhooks unless read-only. */
export const scopesOf = (readOnly: boolean): ReadonlyArray<Scope> =>
  readOnly ? ["read"] : allScopes.filter((scope) => scope !== "events:publish")

/**
 * The portal sessions service: `open` one for a teamspace, failing with `InvalidInput` for a
 * duration or profile it does not accept. The key store keeps a session's token until it expires
 * (`ApiKeyStoreShape`), so expired sessions do not pile up.
 *
 * Needs the `ApiKeyStore` port and `Profiles`; part of `Herald.servicesLayer`.
 */
export class PortalSessions extends Effect.Service<PortalSessions>()("@herald/core/PortalSessions", {
  effect: Effect.gen(function*() {
    const store = yield* ApiKeyStore
    const profiles = yield* Profiles

    const open = (teamspace: TeamspaceId, input: OpenSession) =>
      Effect.gen(function*() {
        const seconds = input.expiresIn ?? DEFAULT_DURATION_SECONDS
        if (!Number.isInteger(seconds) || seconds < MIN_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS) {
          return yield* Effect.fail(InvalidInput.single(
            ["expires_in"],
            `expires_in must be a whole number of seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (a day)`
          ))
        }
        const profile = input.profile ?? profiles.all[0].name
        if (profiles.get(profile) === undefined) {
          return yield* Effect.fail(refusal(profiles.all.map((known) => known.name), "profile", profile))
        }
        const now = yield* Clock.currentTimeMillis
        const readOnly = input.readOnly ?? false
        const session = new PortalSession({ expiresAt: now + seconds * 1_000, readOnly, profile })
        const token = Redacted.make(generateToken())
        const key = new ApiKey({
          hash: hashKey(Redacted.value(token)),
          teamspace,
          scopes: scopesOf(readOnly),
          label: readOnly ? "portal session (read-only)" : "portal session",
          createdAt: now,
          session
        })
        yield* store.insert(key)
        return { token, key, session } satisfies OpenedSession
      })

    return { open } as const
  })
}) {}
