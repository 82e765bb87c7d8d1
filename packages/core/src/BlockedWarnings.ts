/**
 * Deliveries the URL policy blocks, as warnings an operator sees. A blocked
 * webhook is blocked on every attempt: one line per attempt would drown the
 * log, and none (the attempt log alone) left an operator who had set
 * `HERALD_ALLOW_PRIVATE_URLS` on the API but not on the worker with nothing to
 * go on. So: at most one line per webhook per `intervalMs`, naming the webhook,
 * the URL's host and why, never its path or query, which may hold a token.
 *
 * The memory of when each webhook was last warned about is per process and
 * bounded; a webhook forgotten early is at worst warned about again.
 */
import { Clock, Effect } from "effect"
import type { DeliveryJob } from "./DeliveryJob.js"

/** One minute. */
export const intervalMs = 60_000

/** Webhooks remembered at once; past it the least recently warned are forgotten. */
const MAX_REMEMBERED = 10_000

const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return "(unparsable url)"
  }
}

/** A warner: `warn(job, url, reason)` logs, unless it did for the job's webhook within `interval`. */
export const make = (interval: number = intervalMs) => {
  // Oldest warning first: each warning moves its webhook to the end.
  const lastWarned = new Map<string, number>()
  const due = (key: string, now: number): boolean => {
    const last = lastWarned.get(key)
    if (last !== undefined && now - last < interval) return false
    lastWarned.delete(key)
    lastWarned.set(key, now)
    for (const [oldest, at] of lastWarned) {
      if (lastWarned.size <= MAX_REMEMBERED && now - at < interval) break
      lastWarned.delete(oldest)
    }
    return true
  }
  return (job: DeliveryJob, url: string, reason: string): Effect.Effect<void> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (!due(`${job.teamspace}\n${job.webhookId}`, now)) return Effect.void
      const host = hostOf(url)
      return Effect.logWarning(
        `delivery to webhook ${job.webhookId} blocked (host ${host}): ${reason}. ` +
          "If this target is meant to be reached (local development), start every process that delivers, " +
          "the worker too, with HERALD_ALLOW_PRIVATE_URLS=true (or the allowPrivateUrls setting, where Herald is embedded). " +
          `Logged at most once per ${Math.round(interval / 1000)} s per webhook; every attempt is in its attempt log.`
      ).pipe(Effect.annotateLogs({ ...job.logAnnotations, teamspace: job.teamspace, host }))
    })
}
