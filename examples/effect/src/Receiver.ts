/**
 * The example's receiver, standing in for your customer's endpoint: a
 * `node:http` server on a free loopback port that checks each delivery's
 * signature with `@herald/verify`, answers 204 to a good one and 400 to any
 * other, and keeps the verified deliveries. In this example a delivery that
 * fails verification is a bug, so the wait for the deliveries ends with it.
 *
 * Delivery is at least once, so the receiver counts an event id once: a
 * redelivery is answered 204 again and not counted twice.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { verifyAndParse } from "@herald/verify"
import { Data, Deferred, Effect, Schema, type Scope } from "effect"

/** A Datagrid delivery's body (Datagrid is the default profile): `{ id, event_type, timestamp, data }`. */
export const Delivery = Schema.Struct({
  id: Schema.String,
  event_type: Schema.String,
  timestamp: Schema.Number,
  data: Schema.Unknown
})
export type Delivery = typeof Delivery.Type

/** A request whose signature or body was wrong. */
export class DeliveryRefused extends Data.TaggedError("DeliveryRefused")<{ readonly cause: unknown }> {
  override get message(): string {
    return `a delivery failed verification: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface Receiver {
  /** Where the webhook should point. */
  readonly url: string
  /** Hands the receiver the webhook's signing secret; deliveries wait for it. */
  readonly useSecret: (secret: string) => Effect.Effect<void>
  /** The verified deliveries, once `expected` distinct events have arrived; fails at the first refused. */
  readonly received: Effect.Effect<ReadonlyArray<Delivery>, DeliveryRefused>
}

const decodeDelivery = Schema.decodeUnknownSync(Delivery)

/** Checks the signature with the webhook's secret, then the body's shape. */
const verify = (payload: string, header: string | Array<string> | undefined, secret: string) =>
  Effect.try({
    try: () => decodeDelivery(verifyAndParse({ payload, header, secret })),
    catch: (cause) => new DeliveryRefused({ cause })
  })

/** Starts a receiver that completes once `expected` distinct events are verified; it stops with its scope. */
export const make = (expected: number): Effect.Effect<Receiver, never, Scope.Scope> =>
  Effect.gen(function*() {
    const secret = yield* Deferred.make<string>()
    const done = yield* Deferred.make<ReadonlyArray<Delivery>, DeliveryRefused>()
    const verified = new Map<string, Delivery>()

    /** The status to answer: 204 once verified, 400 when the signature or the body is wrong. */
    const handle = (payload: string, header: string | Array<string> | undefined) =>
      Effect.gen(function*() {
        const delivery = yield* verify(payload, header, yield* Deferred.await(secret))
        verified.set(delivery.id, delivery)
        if (verified.size === expected) yield* Deferred.succeed(done, [...verified.values()])
        return 204
      }).pipe(Effect.catchTag("DeliveryRefused", (refused) => Effect.as(Deferred.fail(done, refused), 400)))

    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const payload = Buffer.concat(chunks).toString("utf8")
        void Effect.runPromise(handle(payload, request.headers["datagrid-signature"])).then((status) =>
          response.writeHead(status).end()
        )
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
    )
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}/hooks`,
      useSecret: (value) => Deferred.succeed(secret, value),
      received: Deferred.await(done)
    }
  })
