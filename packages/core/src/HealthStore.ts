/**
 * Port: each webhook's failure streak, kept apart from the webhook record so
 * that counting failures never races a user's update of the webhook.
 */
import { Context, type Effect } from "effect"
import type { TeamspaceId, WebhookId } from "./Ids.js"

/** A webhook's current run of failed attempts: since when, and how many. */
export interface FailureStreak {
  /** When the first failure of the current streak happened. */
  readonly failingSince: number
  readonly failures: number
}

/**
 * What a health store adapter implements (`MemoryHealthStore`, `RedisHealthStore`): count a failure
 * atomically, reset the streak.
 */
export interface HealthStoreShape {
  /** Counts a failed attempt (atomically) and returns the streak it extends or starts. */
  readonly recordFailure: (teamspace: TeamspaceId, id: WebhookId, at: number) => Effect.Effect<FailureStreak>
  /** Ends the streak: a success, or the webhook re-enabled. */
  readonly reset: (teamspace: TeamspaceId, id: WebhookId) => Effect.Effect<void>
}

/** The health store port. Provided by an adapter layer; read and written by `EndpointHealth`. */
export class HealthStore extends Context.Tag("@herald/core/HealthStore")<HealthStore, HealthStoreShape>() {}
