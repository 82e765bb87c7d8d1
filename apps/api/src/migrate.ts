/**
 * `npm run migrate -w @herald/api` (or `node apps/api/dist/migrate.js`): applies
 * the PostgreSQL schema of `DATABASE_URL`. See `@herald/runtime`'s `MigrateCommand`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { MigrateCommand } from "@herald/runtime"

NodeRuntime.runMain(MigrateCommand.command, { disableErrorReporting: true })
