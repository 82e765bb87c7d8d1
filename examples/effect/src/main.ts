/**
 * Herald inside your own Effect application, on the memory adapters: no Redis,
 * no separate process. The application creates a webhook, publishes events from
 * its own code, and Herald's delivery loop runs in the same process; a receiver
 * (standing in for your customer's endpoint) checks each delivery's signature
 * with `@herald/verify`.
 *
 * Run it: `npx turbo run build --filter=@herald/example-effect...`, then
 * `npm start -w @herald/example-effect`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Herald, type Ids, Publisher, Webhooks } from "@herald/core"
import * as Profiles from "@herald/http/Profiles"
import { MemoryLayer } from "@herald/memory"
import { UndiciTransport } from "@herald/undici"
import { verifyAndParse } from "@herald/verify"
import { Cause, Console, Deferred, Effect, Exit, Layer } from "effect"

/** Herald's services and its delivery loop, every port in memory. */
export const HeraldLive = Herald.workerLayer.pipe(
  Layer.provideMerge(Herald.servicesLayer),
  Layer.provideMerge(Layer.merge(MemoryLayer.layer, UndiciTransport.layer())),
  Layer.provideMerge(Herald.settingsLayer({
    retrySchedule: [0, 1_000, 5_000],
    // The receiver below listens on 127.0.0.1; in production leave this false.
    allowPrivateUrls: true,
    delivery: { timeoutMs: 5_000, concurrency: 10 }
  })),
  // The wire profiles (envelopes, signature headers, event types): Datagrid's is the default.
  Layer.provideMerge(Profiles.layer)
)

/** A receiver on a free port that verifies each delivery and keeps its body. */
const receiver = (expected: number) =>
  Effect.gen(function*() {
    const secret = yield* Deferred.make<string>()
    const done = yield* Deferred.make<ReadonlyArray<unknown>>()
    const received: Array<unknown> = []
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const payload = Buffer.concat(chunks).toString("utf8")
        Effect.runFork(Effect.gen(function*() {
          const body = verifyAndParse({
            payload,
            header: request.headers["datagrid-signature"],
            secret: yield* Deferred.await(secret)
          })
          received.push(body)
          response.writeHead(204).end()
          if (received.length === expected) yield* Deferred.succeed(done, received)
        }).pipe(Effect.catchAllDefect(() => Effect.sync(() => response.writeHead(400).end()))))
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
    )
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}/hooks`, secret, done }
  })

/** Creates a webhook, publishes `count` events, and returns the bodies the receiver verified. */
export const program = (count: number) =>
  Effect.gen(function*() {
    const hooks = yield* receiver(count)
    const teamspace = "acme" as Ids.TeamspaceId
    const webhooks = yield* Webhooks.Webhooks
    const { secret } = yield* webhooks.create(teamspace, {
      url: hooks.url,
      events: ["batch_prediction.completed"]
    })
    yield* Deferred.succeed(hooks.secret, secret)
    const publisher = yield* Publisher.Publisher
    for (let n = 1; n <= count; n++) {
      yield* publisher.publish(teamspace, {
        id: `evt_example_${n}`,
        type: "batch_prediction.completed",
        data: { object: "batch_prediction", id: `bpred_${n}`, status: "completed" }
      })
    }
    return yield* Deferred.await(hooks.done).pipe(Effect.timeout("30 seconds"))
  }).pipe(Effect.scoped, Effect.provide(HeraldLive))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromiseExit(
    program(3).pipe(
      Effect.flatMap((bodies) =>
        Console.log(`${bodies.length} deliveries received and verified:\n${bodies.map((body) => JSON.stringify(body)).join("\n")}`)
      )
    )
  ).then((exit) => {
    if (Exit.isFailure(exit)) {
      process.exitCode = 1
      Effect.runSync(Console.error(Cause.pretty(exit.cause)))
    }
  })
}
