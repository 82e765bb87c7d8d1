/**
 * The delivery worker process: the same composition as `HERALD_ROLE=worker`
 * (`@herald/runtime`'s `Launch`), whatever `HERALD_ROLE` says. It consumes the
 * BullMQ queue on Redis (`REDIS_URL`, required) and delivers. Run as many as
 * throughput needs; a crashed worker's jobs are taken over by the others once
 * its lock expires. SIGTERM (or SIGINT) stops taking jobs, lets the deliveries
 * in flight finish, then exits.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Launch } from "@herald/runtime"

// Launch.run logs, its failure included, in the format HERALD_LOG_FORMAT asks for.
NodeRuntime.runMain(Launch.run("worker"), { disableErrorReporting: true, disablePrettyLogger: true })
