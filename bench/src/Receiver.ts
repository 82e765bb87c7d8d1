/**
 * The bench's side of the receiver process (see `child/receiver.ts`).
 */
import { fileURLToPath } from "node:url"
import { type Child, request, spawnNode } from "./Processes.js"
import { type FromReceiver, isMessage, type ReceiverStats } from "./Protocol.js"

export interface Receiver {
  readonly child: Child
  readonly port: number
  /** `http://127.0.0.1:PORT/hooks/<path>`: distinct paths keep fan-out subscriptions apart in the duplicate count. */
  readonly url: (path?: string) => string
  /** Forgets what arrived so far; checks signatures with `secret` from now on (`null`: no check). */
  readonly reset: (secret: string | null) => void
  /** Resolves with the monotonic time at which the `count`th delivery since the reset arrived. */
  readonly waitFor: (count: number, timeoutMs: number) => Promise<number>
  readonly stats: () => Promise<ReceiverStats>
}

const script = fileURLToPath(new URL("./child/receiver.js", import.meta.url))

export const start = async (logDir: string): Promise<Receiver> => {
  const child = spawnNode({ name: "receiver", script, env: {}, logDir, ipc: true })
  const ready = await new Promise<number>((resolve, reject) => {
    child.process.once("message", (message) => {
      if (isMessage<Extract<FromReceiver, { type: "ready" }>>("ready")(message)) resolve(message.port)
      else reject(new Error(`receiver: unexpected first message ${JSON.stringify(message)}`))
    })
    child.process.once("exit", () => reject(new Error(`receiver exited at start:\n${child.tail()}`)))
  })
  const isReached = isMessage<Extract<FromReceiver, { type: "reached" }>>("reached")
  const isStats = isMessage<Extract<FromReceiver, { type: "stats" }>>("stats")
  return {
    child,
    port: ready,
    url: (path = "") => `http://127.0.0.1:${ready}/hooks/${path}`,
    reset: (secret) => {
      child.process.send({ type: "reset", secret })
    },
    waitFor: (count, timeoutMs) =>
      request(child, { type: "expect", count }, (reply) => (isReached(reply) ? reply.atMs : undefined), timeoutMs),
    stats: () => request(child, { type: "stats" }, (reply) => (isStats(reply) ? reply.stats : undefined))
  }
}
