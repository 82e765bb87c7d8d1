/**
 * Herald inside a plain TypeScript application: Promises, no Effect. The
 * application starts Herald in its own process (`createHerald`, everything in
 * memory), subscribes a receiver to its own event types, publishes events,
 * and Herald delivers them; the receiver, standing in for your customer's
 * endpoint, checks each delivery's signature with `@herald/verify`.
 *
 * Run it: `npx turbo run build --filter=@herald/example-plain-typescript...`,
 * then `npm start -w @herald/example-plain-typescript`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { createHerald } from "@herald/runtime"
import { verifyAndParse } from "@herald/verify"

/** How long to wait for the deliveries before giving up. */
const DEADLINE_MS = 30_000

interface Receiver {
  readonly url: string
  /** The webhook's signing secret, known once the webhook exists. */
  secret: string
  /** The verified bodies, once `expected` have arrived. */
  readonly done: Promise<ReadonlyArray<unknown>>
  readonly close: () => Promise<void>
}

/** A receiver on a free port that verifies each delivery against the raw body and keeps what it parsed. */
const startReceiver = async (expected: number): Promise<Receiver> => {
  const received: Array<unknown> = []
  let finish: (bodies: ReadonlyArray<unknown>) => void = () => {}
  const done = new Promise<ReadonlyArray<unknown>>((resolve) => (finish = resolve))
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      try {
        // Throws a WebhookVerificationError unless the body was signed with the secret, recently.
        const body = verifyAndParse({
          payload: Buffer.concat(chunks).toString("utf8"),
          header: request.headers["datagrid-signature"],
          secret: receiver.secret
        })
        received.push(body)
        response.writeHead(204).end()
        if (received.length === expected) finish(received)
      } catch {
        // Herald retries a refused delivery on its schedule.
        response.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    secret: "",
    done,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
  return receiver
}

const within = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Creates a webhook, publishes `count` events, and returns the bodies the receiver verified. */
export const run = async (count: number): Promise<ReadonlyArray<unknown>> => {
  const herald = await createHerald({
    eventTypes: ["order.created", "order.shipped"],
    retrySchedule: "0s,1s,5s",
    // The receiver listens on 127.0.0.1; in production leave this false (https and public hosts only).
    allowPrivateUrls: true,
    logLevel: "warning"
  })
  const receiver = await startReceiver(count)
  try {
    const { secret } = await herald.webhooks.create("acme", { url: receiver.url, events: ["order.created"] })
    // Shown this once: hand it to the customer, who verifies deliveries with it.
    receiver.secret = secret
    for (let n = 1; n <= count; n++) {
      await herald.publish("acme", { id: `evt_order_${n}`, type: "order.created", data: { order: n, total: 10 * n } })
    }
    return await within(receiver.done, DEADLINE_MS, `${count} deliveries`)
  } finally {
    // Stops the delivery loop once the deliveries in flight are done, so the process can exit.
    await herald.close()
    await receiver.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(3).then(
    (bodies) => {
      process.stdout.write(`${bodies.length} deliveries received and verified:\n`)
      for (const body of bodies) process.stdout.write(`${JSON.stringify(body)}\n`)
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
      process.exitCode = 1
    }
  )
}
