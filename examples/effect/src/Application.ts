/**
 * The example application's own code, whichever adapters Herald runs on: its
 * settings for Herald, Herald's services over the ports an entry chooses, and
 * what it does with them (create a webhook for its receiver, publish events,
 * wait until the receiver has verified each one).
 */
import { Herald, type Ids, Publisher, type UrlPolicy, Webhooks } from "@herald/core"
import * as Profiles from "@herald/http/Profiles"
import { Console, Effect, Layer } from "effect"
import * as Receiver from "./Receiver.js"

/** Herald's settings are values: the libraries never read the environment. */
export const settings: Herald.Settings = {
  retrySchedule: [0, 1_000, 5_000],
  // The receiver listens on 127.0.0.1; in production leave this false.
  allowPrivateUrls: true,
  delivery: { timeoutMs: 5_000, concurrency: 10 }
}

/**
 * Herald's services (Webhooks, Publisher, DeliveryLog, Replay, ...) over `ports`,
 * with the settings above and the wire profiles (envelopes, signature headers,
 * event types; Datagrid's is the default). Add `Herald.workerLayer` on top to
 * deliver in this process.
 */
export const heraldServices = <E>(ports: Layer.Layer<Herald.Ports, E, UrlPolicy.UrlPolicy>) =>
  Herald.servicesLayer.pipe(
    Layer.provideMerge(ports),
    Layer.provideMerge(Herald.settingsLayer(settings)),
    Layer.provideMerge(Profiles.layer)
  )

/** The events the application publishes. */
export const events: ReadonlyArray<{ readonly type: string; readonly data: unknown }> = [
  { type: "batch_prediction.completed", data: { object: "batch_prediction", id: "bpred_1", status: "completed" } },
  { type: "batch_prediction.failed", data: { object: "batch_prediction", id: "bpred_2", status: "failed" } },
  { type: "knowledge.processing.completed", data: { object: "knowledge", id: "kn_1", status: "ready" } }
]

export interface Outcome {
  /** What was published, with the ids Herald gave the events. */
  readonly published: ReadonlyArray<{ readonly id: string; readonly type: string; readonly data: unknown }>
  /** What the receiver verified, one per event id. */
  readonly received: ReadonlyArray<Receiver.Delivery>
}

const teamspace = "acme" as Ids.TeamspaceId

/**
 * Creates a webhook pointing at a new receiver, publishes `events`, and waits
 * until the receiver has verified each of them (it fails at the first delivery
 * that does not verify, or after 30 seconds). Whatever delivers them (this
 * process or a worker) is the composition's choice.
 */
export const publishAndReceive = Effect.gen(
  function*() {
    const receiver = yield* Receiver.make(events.length)
    const webhooks = yield* Webhooks.Webhooks
    // Removed at the end, so runs on a Redis that outlives them leave no webhook behind.
    const { secret } = yield* Effect.acquireRelease(
      webhooks.create(teamspace, { url: receiver.url, events: events.map((event) => event.type) }),
      ({ webhook }) => Effect.orDie(webhooks.remove(teamspace, webhook.id))
    )
    yield* receiver.useSecret(secret)
    const publisher = yield* Publisher.Publisher
    // Herald gives each event an id; pass `id` yourself to make a publish idempotent.
    const published = yield* Effect.forEach(events, (event) =>
      Effect.map(publisher.publish(teamspace, event), (result) => ({ ...event, id: result.event.id })))
    const received = yield* receiver.received.pipe(Effect.timeout("30 seconds"))
    return { published, received } satisfies Outcome
  }
).pipe(Effect.scoped)

/** Prints what the receiver verified. */
export const report = (outcome: Outcome) =>
  Console.log(
    `${outcome.received.length} deliveries received and verified:\n` +
      outcome.received.map((delivery) => JSON.stringify(delivery)).join("\n")
  )
