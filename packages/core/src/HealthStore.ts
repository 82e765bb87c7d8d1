/**
 * Port: each webhook's failure streak, kept apart from the webhook record so
 * that counting failures never races a user's update of the webhook.
 */
import { Context, type Effect } from "effect"
import type { TeamspaceId, WebhookId } from "./Ids.js"

export interface FailureStreak {
  /** When the first failure of the current streak happened. */
  readonly failingSince: number
  readonly failures: number
}

export interface HealthStoreShape {
  /** Counts a failed attempt (atomically) and returns the streak it extends or starts. */
  readonly recordFailure: (teamspace: TeamspaceId, id: WebhookId, at: number) => Effect.Effect<FailureStreak>
  /** Ends the streak: a success, or the webhook re-enabled. */
  readonly reset: (teamspace: TeamspaceId, id: WebhookId) => Effect.Effect<void>
}

export class HealthStore extends Context.Tag("@herald/core/HealthStore")<HealthStore, HealthStoreShape>() {}
