/**
 * Running a few effects side by side on the hot paths (a publish's enqueues, an
 * ordered webhook's sequence heads).
 */
import { Effect } from "effect"

/**
 * `Effect.forEach(items, f, { concurrency, discard: true })`, except that zero or
 * one item runs in the calling fiber. A fork costs more CPU than the wait it
 * would save (measured when a publish's single enqueue stopped forking: 0.70-0.90
 * down to 0.60-0.62 ms of API CPU per publish), and most calls have one item.
 */
export const forEachDiscard = <A, E, R>(
  items: ReadonlyArray<A>,
  f: (item: A) => Effect.Effect<unknown, E, R>,
  concurrency: number | "unbounded"
): Effect.Effect<void, E, R> =>
  items.length === 0
    ? Effect.void
    : items.length === 1
    ? Effect.asVoid(f(items[0]!))
    : Effect.forEach(items, f, { concurrency, discard: true })
