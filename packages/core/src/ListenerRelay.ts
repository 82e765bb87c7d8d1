/**
 * Port: the channel between the worker delivering to a `herald listen`
 * webhook and the CLI whose stream receives it, and the leases that keep such
 * webhooks alive.
 *
 * A listening webhook's URL is `herald-listen://<listener id>`: nothing is
 * dialled, so the URL policy does not apply. The worker hands the signed
 * delivery to the relay (`send`); the API process holding the listener's
 * stream (`attach`) passes it to the CLI, which forwards it to the developer's
 * local URL and reports what that answered (`answer`), and the worker logs it
 * as any attempt. With Redis the three may be different processes.
 *
 * A listener lives while its lease does: the process holding its stream
 * renews it, and a lease that lapses (the CLI died, its stream has been gone
 * for `LEASE_MS`) is claimed once (`expired`) and its webhook removed.
 */
import { randomBytes } from "node:crypto"
import { Context, Data, Deferred, Effect, type Queue, type Scope } from "effect"
import type { TeamspaceId, WebhookId } from "./Ids.js"
import { type DeliveryResponse, TransportError } from "./Transport.js"

/** The scheme of a listening webhook's URL. */
export const SCHEME = "herald-listen:"

/** A listener's id: `lst_` and 24 random bytes in base64url, unguessable. */
export const makeListenerId = (): string => "lst_" + randomBytes(24).toString("base64url")

const LISTENER_ID = /^lst_[A-Za-z0-9_-]{32}$/

/** Whether `id` has the form `makeListenerId` gives (anything else cannot name a listener). */
export const isListenerId = (id: string): boolean => LISTENER_ID.test(id)

/** The URL of a webhook delivered to listener `id`. */
export const urlOf = (id: string): string => `${SCHEME}//${id}`

/** The listener a webhook's URL names, when it is a listening webhook's. */
export const listenerOf = (url: string): string | undefined => {
  if (!url.startsWith(`${SCHEME}//`)) return undefined
  const id = url.slice(SCHEME.length + 2)
  return isListenerId(id) ? id : undefined
}

/** How long a listener outlives its stream: its lease, renewed every `RENEW_MS` while the stream is open. */
export const LEASE_MS = 30_000
/** How often an open stream renews its listener's lease. */
export const RENEW_MS = 10_000

/** One delivery as the CLI receives it: what to POST to the local URL, and the ids to print and answer with. */
export interface RelayedDelivery {
  /** The relay's id of this attempt, which the answer names. */
  readonly id: string
  readonly webhookId: WebhookId
  readonly eventId: string
  readonly eventType: string
  readonly attempt: number
  /** The request headers, signatures included, exactly as a URL would receive them. */
  readonly headers: Readonly<Record<string, string>>
  /** The body, byte for byte what the signatures sign. */
  readonly body: string
}

/** What the CLI reports: the local URL's response, or why it got none. */
export type ListenerAnswer =
  | { readonly _tag: "Response"; readonly response: DeliveryResponse }
  | { readonly _tag: "Unreachable"; readonly message: string }

/** A listener's lease: whose it is and the webhook it delivers to. */
export interface ListenerLease {
  readonly teamspace: TeamspaceId
  readonly listenerId: string
  readonly webhookId: WebhookId
}

/** An answer named a delivery no process is waiting for (it timed out, or the id is not one). */
export class NoSuchDelivery extends Data.TaggedError("NoSuchDelivery")<{ readonly id: string }> {}

/** What a relay adapter implements (`MemoryListenerRelay`, `RedisListenerRelay`). */
export interface ListenerRelayShape {
  /**
   * Hands `delivery` to the listener's stream and waits at most `timeoutMs` for its answer. Fails
   * with kind "connection" when no stream is attached, "timeout" when no answer came, and as the
   * answer says when the CLI could not reach its local URL.
   */
  readonly send: (
    teamspace: TeamspaceId,
    listenerId: string,
    delivery: Omit<RelayedDelivery, "id">,
    timeoutMs: number
  ) => Effect.Effect<DeliveryResponse, TransportError>
  /** The deliveries sent to this listener while the scope is open. */
  readonly attach: (teamspace: TeamspaceId, listenerId: string) => Effect.Effect<Queue.Dequeue<RelayedDelivery>, never, Scope.Scope>
  /** Passes the CLI's answer to delivery `id` to the process waiting for it. */
  readonly answer: (
    teamspace: TeamspaceId,
    listenerId: string,
    id: string,
    answer: ListenerAnswer
  ) => Effect.Effect<void, NoSuchDelivery>
  /** Records or renews a listener's lease until `until` (epoch ms). */
  readonly lease: (lease: ListenerLease, until: number) => Effect.Effect<void>
  /** The lease of a listener of `teamspace`, when it has one. */
  readonly find: (teamspace: TeamspaceId, listenerId: string) => Effect.Effect<ListenerLease | undefined>
  /** Ends a listener's lease (its webhook is being removed). */
  readonly release: (teamspace: TeamspaceId, listenerId: string) => Effect.Effect<void>
  /**
   * Claims up to `limit` leases that ended before `now`, removing them: each is claimed by one
   * caller only, which removes its webhook.
   */
  readonly expired: (now: number, limit: number) => Effect.Effect<ReadonlyArray<ListenerLease>>
}

/**
 * The relay port: how the `Dispatcher` delivers to a listening webhook and the HTTP API streams to
 * `herald listen`. In memory (`MemoryLayer`) for one process; on Redis (`RedisLayer`) across processes.
 */
export class ListenerRelay extends Context.Tag("@herald/core/ListenerRelay")<ListenerRelay, ListenerRelayShape>() {}

/** The failure of a delivery no stream of the listener received. */
export const notConnected = (): TransportError =>
  new TransportError({
    kind: "connection",
    message: "no herald listen stream is connected to this listener; the delivery is retried on schedule"
  })

/**
 * The deliveries a process is waiting for answers to, by relay id: what both adapters keep on the
 * sending side. An answer settles its delivery once, and only one sent to the same listener.
 */
export class PendingAnswers {
  private readonly waiting = new Map<string, {
    readonly listener: string
    readonly answered: Deferred.Deferred<ListenerAnswer>
  }>()

  /** Waits at most `timeoutMs` for the answer to `id`, sent to the listener keyed `listener`, forgetting it after. */
  wait(id: string, listener: string, timeoutMs: number, send: Effect.Effect<void, TransportError>) {
    return Effect.acquireUseRelease(
      Effect.flatMap(Deferred.make<ListenerAnswer>(), (answered) =>
        Effect.sync(() => {
          this.waiting.set(id, { listener, answered })
          return answered
        })),
      (answered) =>
        Effect.zipRight(send, Deferred.await(answered)).pipe(
          Effect.timeoutFail({
            duration: timeoutMs,
            onTimeout: () =>
              new TransportError({ kind: "timeout", message: `herald listen did not answer within ${timeoutMs} ms` })
          }),
          Effect.flatMap((answer): Effect.Effect<DeliveryResponse, TransportError> =>
            answer._tag === "Response"
              ? Effect.succeed(answer.response)
              : Effect.fail(new TransportError({ kind: "connection", message: `herald listen: ${answer.message}` }))
          )
        ),
      () => Effect.sync(() => this.waiting.delete(id))
    )
  }

  /** Settles `id` with `answer`; false when no delivery of that listener waits for it. */
  settle(id: string, listener: string, answer: ListenerAnswer): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      const entry = this.waiting.get(id)
      if (entry === undefined || entry.listener !== listener) return Effect.succeed(false)
      return Deferred.succeed(entry.answered, answer)
    })
  }
}
