/**
 * Readiness: whether this process can do its work now, that is, whether what its stores and its
 * queue run on answers. Liveness (`/healthz`) says only that the process serves; a load balancer
 * or an orchestrator routes requests by readiness (`/readyz`) and leaves a process that is not
 * ready out until it is, without restarting it.
 *
 * A composition names its dependencies as `Probes`, one per connection (the Redis of the stores,
 * the PostgreSQL database), and the `DeliveryQueue` answers for itself (`DeliveryQueue.ping`).
 * Memory has none: always ready. Every probe runs at once, each bounded by a timeout, so a
 * readiness check answers within it whatever hangs.
 */
import { Context, Duration, Effect, Option } from "effect"
import { DeliveryQueue } from "./DeliveryQueue.js"

/** One dependency: its name in the report, and one round trip that succeeds when it answers. */
export interface Probe {
  readonly name: string
  readonly check: Effect.Effect<unknown, unknown>
}

/** The dependencies of the stores of this composition (none by default: memory). */
export class Probes extends Context.Reference<Probes>()("@herald/core/Readiness/Probes", {
  defaultValue: (): ReadonlyArray<Probe> => []
}) {}

/** What a check found: ready when every dependency answered, and each one's state by name. */
export interface Report {
  readonly ready: boolean
  readonly dependencies: Readonly<Record<string, "ok" | "down">>
}

/** How long a probe may take before its dependency counts as down. */
export const defaultTimeout = Duration.seconds(2)

/**
 * Runs every probe at once (the `Probes`, and the queue's `ping` as `queue` when it has one), each
 * given `timeout`. A dependency that fails or does not answer in time is down, and why is logged
 * (a warning with the probe's name), never put in the report, which an unauthenticated caller reads.
 */
export const check = (timeout: Duration.DurationInput = defaultTimeout): Effect.Effect<Report> =>
  Effect.gen(function*() {
    const probes = yield* Probes
    const queue = yield* Effect.serviceOption(DeliveryQueue)
    const ping = Option.flatMapNullable(queue, (queue) => queue.ping)
    const all: ReadonlyArray<Probe> = Option.match(ping, {
      onNone: () => probes,
      onSome: (check) => [...probes, { name: "queue", check }]
    })
    const states = yield* Effect.forEach(all, (probe) =>
      probe.check.pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)}` }),
        Effect.as("ok" as const),
        Effect.catchAllCause((cause) =>
          Effect.as(
            Effect.logWarning(`readiness: ${probe.name} is down`, cause),
            "down" as const
          )
        )
      ), { concurrency: "unbounded" })
    const dependencies = Object.fromEntries(all.map((probe, i) => [probe.name, states[i]!]))
    return { ready: states.every((state) => state === "ok"), dependencies }
  })
