/**
 * A delivery worker: only Herald's delivery loop, on the Redis + BullMQ that
 * `publisher.ts` publishes to. Run one or many; a worker that dies has its
 * deliveries taken over by another once their lock expires. SIGTERM or Ctrl-C
 * stops taking jobs, lets the deliveries in flight finish, then exits: within
 * the queue's `drainTimeoutMs` (20 s), after which, as when Redis is down, it
 * ends the queue's connections and leaves those deliveries to be taken over.
 *
 * Run it: `npx turbo run build --filter=@herald/example-effect...`, then
 * `npm run start:worker -w @herald/example-effect -- redis://127.0.0.1:6379`
 * (or set `REDIS_URL`).
 */
import { Herald } from "@herald/core"
import { Effect, Layer } from "effect"
import * as Application from "./Application.js"
import * as Main from "./Main.js"
import * as RedisPorts from "./RedisPorts.js"

/** The delivery loop over Herald's services, on Redis + BullMQ at `url`. */
export const WorkerLive = (url: string) =>
  Herald.workerLayer.pipe(Layer.provideMerge(Application.heraldServices(RedisPorts.layer(url))))

/** Logged once the delivery loop has stopped and the connections are closed. */
export const stoppedMessage = "worker stopped: deliveries in flight finished"

Main.runIfMain(
  import.meta.url,
  Layer.launch(WorkerLive(Main.redisUrl())).pipe(Effect.onInterrupt(() => Effect.logInfo(stoppedMessage)))
)
