/**
 * The IPC messages between the bench and its child processes (receiver, baseline
 * workers, ceiling server). Plain JSON over the fork channel.
 */

/** What the bench asks the receiver. */
export type ToReceiver =
  /** Forget every delivery so far; check signatures with `secret` from now on (none: do not check). */
  | { readonly type: "reset"; readonly secret: string | null }
  /** Answer `reached` once `count` deliveries have arrived since the reset. */
  | { readonly type: "expect"; readonly count: number }
  | { readonly type: "stats" }

export type FromReceiver =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "reached"; readonly count: number; readonly atMs: number }
  | { readonly type: "stats"; readonly stats: ReceiverStats }

export interface ReceiverStats {
  readonly count: number
  /** Deliveries of the same envelope id to the same path seen before. */
  readonly duplicates: number
  /** Signature checks that failed (when a secret was given). */
  readonly badSignatures: number
  /** Envelopes that were not JSON or lacked an id. */
  readonly malformed: number
  /** Envelope `timestamp` more than 2 s off the receiver's wall clock. */
  readonly skewedTimestamps: number
  /** Publish -> receipt, ms, for envelopes whose data carries `sent_ms` (see `Clock`). */
  readonly latenciesMs: ReadonlyArray<number>
  /** Monotonic receipt times (ms) of every delivery, in arrival order. */
  readonly receiptsMs: ReadonlyArray<number>
}

/** What the bench asks a baseline worker. */
export type ToQueueWorker =
  | {
    readonly type: "run"
    readonly mode: "noop" | "naive"
    readonly redisUrl: string
    readonly prefix: string
    readonly queue: string
    readonly concurrency: number
    /** Report `done` after this many completed jobs. */
    readonly count: number
  }
  | { readonly type: "stop" }

export type FromQueueWorker =
  | { readonly type: "ready" }
  | {
    readonly type: "done"
    readonly completed: number
    readonly failed: number
    /** When the worker was created, its first and its `count`th completion (monotonic ms). */
    readonly startedMs: number
    readonly firstMs: number
    readonly finishedMs: number
  }

export type FromCeiling = { readonly type: "ready"; readonly port: number }

/** The naive baseline's job: the whole delivery in the job, as a user would queue it. */
export interface NaiveJob {
  readonly url: string
  readonly secret: string
  readonly body: string
}

/**
 * The naive pipeline's subscription to an event type (`child/naiveEndpoint.ts`): a Redis hash with
 * `url` and `secret`, which the bench seeds and the endpoint reads once per publish.
 */
export const naiveSubscriptionKey = (eventType: string): string => `naive:subscription:${eventType}`

/** Narrowing helper for replies (IPC messages are `unknown`). */
export const isMessage = <T extends { readonly type: string }>(type: T["type"]) =>
  (message: unknown): message is T =>
    typeof message === "object" && message !== null && (message as { type?: unknown }).type === type
