/**
 * A `pg` client that counts its failed queries (`herald_store_errors_total{backend="postgres"}`):
 * every statement the stores run reaches the driver as a `query` with a callback (that is how
 * `@effect/sql-pg` calls it), so the callback sees every failure, whatever store ran it.
 */
import { Metrics } from "@herald/core"
import Pg from "pg"

type Callback = (error: unknown, result: unknown) => void

export class CountingClient extends Pg.Client {
  override query(...args: ReadonlyArray<unknown>): never {
    const query = super.query.bind(this) as (...args: ReadonlyArray<unknown>) => unknown
    const callback = args.at(-1)
    if (typeof callback !== "function") return query(...args) as never
    const counted: Callback = (error, result) => {
      if (error !== null && error !== undefined) Metrics.storeError({ backend: "postgres" })
      ;(callback as Callback)(error, result)
    }
    return query(...args.slice(0, -1), counted) as never
  }
}
