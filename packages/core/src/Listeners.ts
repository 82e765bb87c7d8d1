/**
 * `herald listen`: a temporary webhook of the teamspace whose deliveries go to
 * the CLI's stream instead of a URL, so that a developer gets real, signed
 * deliveries on localhost with no public URL and no tunnel. It is an ordinary
 * webhook otherwise: signed by its profile, retried, logged, counted by
 * endpoint health. It lives while its lease does (`ListenerRelay`): closing it
 * removes the webhook at once; a stream gone for longer than the lease (the
 * CLI died) has it removed by whichever process sweeps first.
 */
import { Clock, Effect, Queue, type Scope, Schedule } from "effect"
import { InvalidInput, ListenerNotFound } from "./Errors.js"
import { EventTypes } from "./EventTypes.js"
import type { TeamspaceId } from "./Ids.js"
import {
  LEASE_MS,
  type ListenerAnswer,
  type ListenerLease,
  ListenerRelay,
  makeListenerId,
  type RelayedDelivery,
  RENEW_MS,
  urlOf
} from "./ListenerRelay.js"
import { Profiles, refusal } from "./Profiles.js"
import type { CreatedWebhook } from "./Webhook.js"
import { Webhooks } from "./Webhooks.js"

/** What opening a listener takes: the profile its deliveries are made in, and the event types it receives. */
export interface OpenListener {
  /** The default profile when absent. */
  readonly profile?: string | undefined
  /** Every event type of the profile's catalog when absent. */
  readonly events?: ReadonlyArray<string> | undefined
}

/** A listener just opened: its id, and its webhook with the signing secret, shown this once. */
export interface OpenedListener extends CreatedWebhook {
  readonly listenerId: string
}

/** Leases claimed per sweep: a sweep that finds this many runs again at once. */
const SWEEP_BATCH = 100

/** The metadata a listening webhook carries, so that lists say what it is. */
export const LISTENER_METADATA = { herald_listen: "true" } as const

/**
 * The listeners service: `open` one (its webhook and lease), `stream` its deliveries while renewing
 * its lease, `answer` a delivery, and `close` it. While it runs, it sweeps lapsed leases every
 * `RENEW_MS`, removing their webhooks.
 *
 * Needs the `ListenerRelay` port, `Webhooks`, `EventTypes` and `Profiles`; part of `Herald.servicesLayer`.
 */
export class Listeners extends Effect.Service<Listeners>()("@herald/core/Listeners", {
  scoped: Effect.gen(function*() {
    const relay = yield* ListenerRelay
    const webhooks = yield* Webhooks
    const eventTypes = yield* EventTypes
    const profiles = yield* Profiles

    const renew = (lease: ListenerLease) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => relay.lease(lease, now + LEASE_MS))

    const open = (teamspace: TeamspaceId, input: OpenListener): Effect.Effect<OpenedListener, InvalidInput> =>
      Effect.gen(function*() {
        const profile = input.profile ?? profiles.all[0].name
        if (profiles.get(profile) === undefined) {
          return yield* Effect.fail(refusal(profiles.all.map((known) => known.name), "profile", profile))
        }
        const events = input.events ?? [...(yield* eventTypes.catalog(teamspace)).forProfile(profile)]
        if (input.events === undefined && events.length === 0) {
          return yield* Effect.fail(
            InvalidInput.single(["events"], `the ${profile} catalog has no event types: name the events to listen to`)
          )
        }
        const listenerId = makeListenerId()
        const created = yield* webhooks.createListening(teamspace, { profile, events, metadata: LISTENER_METADATA }, listenerId)
        yield* renew({ teamspace, listenerId, webhookId: created.webhook.id })
        return { ...created, listenerId }
      })

    const find = (teamspace: TeamspaceId, id: string): Effect.Effect<ListenerLease, ListenerNotFound> =>
      Effect.flatMap(
        relay.find(teamspace, id),
        (lease) => lease === undefined ? Effect.fail(new ListenerNotFound({ id })) : Effect.succeed(lease)
      )

    /**
     * Whether the listener's webhook is still its own: not deleted meanwhile, nor re-pointed at a URL
     * (then it is an ordinary webhook, which closing the listener must leave alone).
     */
    const stillListening = (lease: ListenerLease) =>
      webhooks.get(lease.teamspace, lease.webhookId).pipe(
        Effect.map((webhook) => webhook.url === urlOf(lease.listenerId)),
        Effect.catchTag("WebhookNotFound", () => Effect.succeed(false))
      )

    /**
     * The listener's deliveries while the scope is open, its lease renewed meanwhile. The queue
     * shuts down when the listener's webhook is removed (closed elsewhere, or deleted) or re-pointed
     * at a URL, which ends the stream.
     */
    const stream = (
      teamspace: TeamspaceId,
      id: string
    ): Effect.Effect<Queue.Dequeue<RelayedDelivery>, ListenerNotFound, Scope.Scope> =>
      Effect.gen(function*() {
        const lease = yield* find(teamspace, id)
        const deliveries = yield* relay.attach(teamspace, id)
        yield* renew(lease)
        yield* Effect.forkScoped(
          Effect.repeat(
            Effect.flatMap(stillListening(lease), (listening) =>
              listening ? renew(lease) : Effect.zipRight(Queue.shutdown(deliveries), Effect.interrupt)),
            Schedule.spaced(RENEW_MS)
          ).pipe(Effect.delay(RENEW_MS))
        )
        return deliveries
      })

    const answer = (teamspace: TeamspaceId, id: string, deliveryId: string, answered: ListenerAnswer) =>
      relay.answer(teamspace, id, deliveryId, answered)

    const removeWebhook = (lease: ListenerLease) =>
      Effect.flatMap(stillListening(lease), (listening) =>
        listening
          ? webhooks.remove(lease.teamspace, lease.webhookId).pipe(Effect.catchTag("WebhookNotFound", () => Effect.void))
          : Effect.void)

    const close = (teamspace: TeamspaceId, id: string): Effect.Effect<void, ListenerNotFound> =>
      Effect.gen(function*() {
        const lease = yield* find(teamspace, id)
        yield* relay.release(teamspace, id)
        yield* removeWebhook(lease)
      })

    /** Removes the webhooks of lapsed leases, a batch at a time, until none is left. */
    const sweep: Effect.Effect<void> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const lapsed = yield* relay.expired(now, SWEEP_BATCH)
      yield* Effect.forEach(lapsed, (lease) =>
        Effect.zipRight(
          removeWebhook(lease),
          Effect.logInfo("listener removed: its stream has been gone longer than its lease").pipe(
            Effect.annotateLogs({ teamspace: lease.teamspace, listenerId: lease.listenerId, webhookId: lease.webhookId })
          )
        ), { discard: true })
      if (lapsed.length === SWEEP_BATCH) yield* sweep
    })

    yield* Effect.forkScoped(
      Effect.repeat(
        // A store that fails now and then must not end the sweeping for the life of the process.
        sweep.pipe(Effect.catchAllCause((cause) => Effect.logWarning("sweeping listeners failed", cause))),
        Schedule.spaced(RENEW_MS)
      )
    )

    return { open, find, stream, answer, close, sweep } as const
  })
}) {}
