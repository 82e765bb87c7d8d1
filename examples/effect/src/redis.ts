/**
 * The same application on the production adapters: the stores on Redis, the
 * queue on BullMQ, and the delivery loop (`Herald.workerLayer`) still in this
 * process. `publisher.ts` and `worker.ts` split the same composition in two.
 *
 * Run it (Redis from the first argument, else `REDIS_URL`, else
 * redis://127.0.0.1:6379): `npx turbo run build --filter=@herald/example-effect...`,
 * then `npm run start:redis -w @herald/example-effect -- redis://127.0.0.1:6379`.
 */
import { Herald } from "@herald/core"
import { Effect, Layer } from "effect"
import * as Application from "./Application.js"
import * as Main from "./Main.js"
import * as RedisPorts from "./RedisPorts.js"

/** The delivery loop over Herald's services, on Redis + BullMQ at `url`. */
export const HeraldLive = (url: string) =>
  Herald.workerLayer.pipe(Layer.provideMerge(Application.heraldServices(RedisPorts.layer(url))))

export const program = (url: string) => Application.publishAndReceive.pipe(Effect.provide(HeraldLive(url)))

Main.runIfMain(import.meta.url, Effect.flatMap(program(Main.redisUrl()), Application.report))
