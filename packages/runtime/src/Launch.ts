/**
 * What a Herald process runs, whichever entry point starts it (`npm start`,
 * `node apps/api/dist/main.js` with any `HERALD_ROLE`, or the worker's
 * `node apps/worker/dist/main.js`): read the environment, choose the ports
 * (memory; Redis and BullMQ with `REDIS_URL`; PostgreSQL beside them with
 * `DATABASE_URL`), and run the role's layers
 * until SIGTERM or SIGINT, after which work in flight finishes and stores close.
 * Every line it logs is in the format and from the level the environment asks
 * for (`Logging`).
 */
import { Effect, Layer, Option } from "effect"
import * as Environment from "./Environment.js"
import * as Logging from "./Logging.js"
import * as Ports from "./Ports.js"
import * as Process from "./Process.js"

/** Said once the layers' finalizers have run, so a stop is not mistaken for a crash. */
const stopped = (role: Environment.Role) =>
  role === "worker"
    ? "Herald worker stopped: deliveries in flight finished"
    : `Herald (${role}) stopped: work in flight finished`

/** Runs the process in `role`, or in the role `HERALD_ROLE` names. */
export const run = (role?: Environment.Role): Effect.Effect<never, unknown> =>
  Effect.gen(function*() {
    const config = yield* Environment.read(role)
    const ports = Ports.chosen(config)
    const layer = config.role === "worker"
      ? Process.workerOnly({
        settings: config.settings,
        ports,
        metrics: config.metrics,
        metricsToken: Option.getOrUndefined(config.metricsToken),
        operations: Option.getOrUndefined(config.operations)
      })
      : Process.layer(config.role, {
        listen: config,
        apiKeys: config.apiKeys,
        settings: config.settings,
        protection: config.protection,
        metrics: config.metrics,
        metricsToken: Option.getOrUndefined(config.metricsToken),
        ports,
        // Every API process on one Redis must accept the same keys, so none is invented at start.
        generateKey: Option.isNone(config.redis)
      })
    // OpenTelemetry's SDK is loaded only when traces are asked for: every process (the keys and
    // migrate commands too) would otherwise pay for loading it at start.
    const traced = Option.isNone(config.tracing)
      ? layer
      : Layer.provide(layer, (yield* Effect.promise(() => import("./Telemetry.js"))).layer(config.tracing.value))
    return yield* Layer.launch(traced).pipe(
      Effect.mapError((error) => Environment.listenFailure(config)(Environment.databaseStartFailure(error))),
      Effect.onInterrupt(() => Effect.logInfo(stopped(config.role)))
    )
  }).pipe(Logging.withSettings(Environment.logging))
