/**
 * The same application on PostgreSQL and Redis (the production setup): the
 * history in PostgreSQL, the queue on BullMQ, the delivery loop in this process.
 *
 * Run it (the database from the first argument, else `DATABASE_URL`; Redis from
 * the second, else `REDIS_URL`, else redis://127.0.0.1:6379):
 * `npx turbo run build --filter=@herald/example-effect...`, then
 * `npm run start:postgres -w @herald/example-effect -- postgres://postgres@127.0.0.1:5432/herald`.
 */
import { Herald } from "@herald/core"
import { Effect, Layer } from "effect"
import * as Application from "./Application.js"
import * as Main from "./Main.js"
import * as PostgresPorts from "./PostgresPorts.js"

/** The delivery loop over Herald's services, on PostgreSQL at `databaseUrl` and Redis + BullMQ at `redisUrl`. */
export const HeraldLive = (databaseUrl: string, redisUrl: string) =>
  Herald.workerLayer.pipe(Layer.provideMerge(Application.heraldServices(PostgresPorts.layer(databaseUrl, redisUrl))))

export const program = (databaseUrl: string, redisUrl: string) =>
  Application.publishAndReceive.pipe(Effect.provide(HeraldLive(databaseUrl, redisUrl)))

Main.runIfMain(
  import.meta.url,
  Effect.flatMap(program(Main.databaseUrl(), Main.redisUrl(3)), Application.report)
)
