/**
 * `npm start`: the process in the role `HERALD_ROLE` names (all by default), on
 * the embedded default (memory) or, with `REDIS_URL`, on Redis and BullMQ. The
 * composition is `@herald/runtime`'s (`Launch`); every variable it reads is in
 * its `Environment` module.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Launch } from "@herald/runtime"

// Launch.run logs, its failure included, in the format HERALD_LOG_FORMAT asks for.
NodeRuntime.runMain(Launch.run(), { disableErrorReporting: true, disablePrettyLogger: true })
