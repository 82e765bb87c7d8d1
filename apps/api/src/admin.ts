/**
 * `npm run keys -w @herald/api -- <command>` (or `node apps/api/dist/admin.js`):
 * create, list and revoke API keys in the Redis every API process uses. See
 * `@herald/runtime`'s `ApiKeyAdmin` for the commands.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ApiKeyAdmin } from "@herald/runtime"

NodeRuntime.runMain(ApiKeyAdmin.command(process.argv.slice(2)), { disableErrorReporting: true })
