/**
 * A `pg` client that counts its failed queries (`herald_store_errors_total{backend="postgres"}`):
 * every statement the stores run reaches the driver as a `query` with a callback (that is how
 * `@effect/sql-pg` calls it), so the callback sees every failure, whatever store ran it.
 */
import { Metrics } from "@herald/core"
import Pg from "pg"

type Callback = (error: unknown, result: unknown) => void

/**
 * Failures that are not the store's: a query Herald cancelled itself (`57014`, an interrupted
 * request), and a prepared statement's stale plan (`0A000`, `26000`), which `PreparingClient`
 * prepares again at once.
 */
const NOT_COUNTED = new Set(["57014", "0A000", "26000"])

const counts = (error: unknown): boolean =>
  error !== null && error !== undefined &&
  !NOT_COUNTED.has(String((error as { readonly code?: unknown }).code))

export class CountingClient extends Pg.Client {
  override query(...args: ReadonlyArray<unknown>): never {
    const query = super.query.bind(this) as (...args: ReadonlyArray<unknown>) => unknown
    const callback = args.at(-1)
    if (typeof callback !== "function") return query(...args) as never
    const counted: Callback = (error, result) => {
      if (counts(error)) Metrics.storeError({ backend: "postgres" })
      ;(callback as Callback)(error, result)
    }
    return query(...args.slice(0, -1), counted) as never
  }
}
