/**
 * Herald's version, for the User-Agent of deliveries. Read from this package's
 * own package.json (one level above both src/ and dist/), so a release bump by
 * changesets cannot leave it stale.
 */
import { createRequire } from "node:module"

const pkg = createRequire(import.meta.url)("../package.json") as { readonly version: string }

/** This package's version, e.g. `0.1.0`. */
export const version: string = pkg.version

/** The User-Agent of every delivery: `Herald-Webhooks/<version>` and the project's URL. */
export const userAgent = `Herald-Webhooks/${version} (+https://github.com/herald-webhooks/herald)`
