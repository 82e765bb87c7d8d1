/**
 * The application with delivery in another process: it creates the webhook and
 * publishes on Redis + BullMQ, but runs no delivery loop; the publishes are
 * queued, and `worker.ts`, on the same Redis, delivers them to this process's
 * receiver. Scale the workers apart from the application, as Herald's own
 * API and worker processes do.
 *
 * Run it: `npx turbo run build --filter=@herald/example-effect...`, start a
 * worker (`npm run start:worker -w @herald/example-effect -- redis://127.0.0.1:6379`),
 * then in another terminal `npm run start:publisher -w @herald/example-effect -- redis://127.0.0.1:6379`.
 */
import { Effect } from "effect"
import * as Application from "./Application.js"
import * as Main from "./Main.js"
import * as RedisPorts from "./RedisPorts.js"

/** Herald's services on Redis + BullMQ at `url`, without the delivery loop. */
export const HeraldLive = (url: string) => Application.heraldServices(RedisPorts.layer(url))

export const program = (url: string) => Application.publishAndReceive.pipe(Effect.provide(HeraldLive(url)))

Main.runIfMain(import.meta.url, Effect.flatMap(program(Main.redisUrl()), Application.report))
