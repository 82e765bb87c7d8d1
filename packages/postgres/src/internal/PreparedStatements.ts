/**
 * Server-side prepared statements for the `pg` driver, which `@effect/sql-pg` calls with the text
 * of each statement and its parameters: an unnamed statement, parsed and planned by PostgreSQL
 * every time it runs. Herald runs the same few dozen statements again and again, several of them
 * over partitioned tables whose planning costs more than their execution; naming them lets each
 * connection parse one once and PostgreSQL keep its plan (a generic one after five runs, when it is
 * no worse). Measured with the bench's end-to-end scenario on PostgreSQL + Redis: PostgreSQL's CPU
 * per event 2.46 ms unnamed, 1.07 ms named (BENCHMARKS.md).
 *
 * Only statements with parameters are named: a statement without (the migrations' DDL, often
 * several statements in one text) goes through the simple protocol as before, which cannot name
 * them. The names a process gives are bounded (`MAX_NAMED`), so statements whose text varies with
 * their input (an `IN` list of a length the caller chose) cannot make a connection's server process
 * keep ever more plans: past the bound, a new text runs unnamed.
 *
 * A name is a hash of its text, the same in every process and release: behind a pooler that hands
 * one server connection to several processes, a name can only ever mean one statement, so a
 * pooler that cannot carry prepared statements fails loudly ("does not exist") instead of running
 * another process's statement under the same name.
 *
 * A named statement whose plan PostgreSQL can no longer use (a migration changed the type of a
 * column it returns: "cached plan must not change result type") fails on its connection every
 * time; that one is deallocated and prepared again, once, so a rolling deploy's old processes
 * recover instead of failing every run.
 */
import { createHash } from "node:crypto"
import { CountingClient } from "./CountingClient.js"

/** The most statement texts a process names; any text beyond runs unnamed, as without preparing. */
export const MAX_NAMED = 256

/**
 * A statement's name for its text: the same on every connection (PostgreSQL keeps names per
 * connection, and the driver prepares a name on a connection the first time it runs there).
 */
const names = new Map<string, string>()

const nameOf = (text: string): string | undefined => {
  const known = names.get(text)
  if (known !== undefined || names.size >= MAX_NAMED) return known
  const name = `herald_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`
  names.set(text, name)
  return name
}

type Query = (...args: ReadonlyArray<unknown>) => unknown
type Callback = (error: unknown, result: unknown) => void

/**
 * The errors of a named statement prepared on this connection that preparing it again cures: its
 * cached plan no longer fits the table (0A000, "cached plan must not change result type"), or the
 * server no longer has it (26000).
 */
const stale = (error: unknown): boolean =>
  typeof error === "object" && error !== null &&
  ["0A000", "26000"].includes(String((error as { readonly code?: unknown }).code))

/**
 * A `pg` client that runs each statement with parameters as a named prepared statement. The
 * driver's overloads all go through `query`: `(text, values, callback)` is the one
 * `@effect/sql-pg` calls; any other form (a config object, a cursor, a promise) passes through
 * unchanged.
 */
export class PreparingClient extends CountingClient {
  override query(...args: ReadonlyArray<unknown>): never {
    const query = super.query.bind(this) as Query
    const [text, values, callback] = args
    if (typeof text === "string" && Array.isArray(values) && values.length > 0 && typeof callback === "function") {
      const name = nameOf(text)
      if (name !== undefined) {
        const done = callback as Callback
        return query({ name, text, values }, (error: unknown, result: unknown) => {
          if (!stale(error)) return done(error, result)
          // Forgotten by the driver, deallocated on the server (whatever that answers), then once more.
          const parsed = (this as unknown as { readonly connection: { readonly parsedStatements: Record<string, unknown> } })
            .connection.parsedStatements
          delete parsed[name]
          query(`DEALLOCATE ${name}`, () => query({ name, text, values }, done))
        }) as never
      }
    }
    return query(...args) as never
  }
}
