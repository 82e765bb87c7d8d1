/**
 * Port: the log of every delivery attempt.
 */
import { Context, type Effect } from "effect"
import type { Attempt } from "./Attempt.js"
import type { EventType } from "./EventType.js"
import type { AttemptId, EventId, TeamspaceId, WebhookId } from "./Ids.js"

/** Newest first; `before` is the last id of the previous page. */
export interface AttemptQuery {
  readonly teamspace: TeamspaceId
  readonly webhookId?: WebhookId | undefined
  readonly eventId?: EventId | undefined
  readonly eventType?: EventType | undefined
  readonly successful?: boolean | undefined
  readonly before?: AttemptId | undefined
  readonly limit: number
}

export interface AttemptLogShape {
  readonly record: (attempt: Attempt) => Effect.Effect<void>
  readonly list: (query: AttemptQuery) => Effect.Effect<ReadonlyArray<Attempt>>
}

export class AttemptLog extends Context.Tag("@herald/core/AttemptLog")<AttemptLog, AttemptLogShape>() {}
