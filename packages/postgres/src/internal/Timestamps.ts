/**
 * Epoch milliseconds (the API's times) to and from `timestamptz` (the columns'). Exact both ways for
 * whole milliseconds: `timestamptz` keeps microseconds.
 */
import type { SqlClient, Statement } from "@effect/sql"

/** `time` (epoch ms) as a `timestamptz` parameter. */
export const at = (sql: SqlClient.SqlClient, time: number): Statement.Fragment =>
  sql`to_timestamp(${time}::float8 / 1000)`

/** The epoch ms of a `timestamptz` column, as a number (`column` is code, never input). */
export const millis = (sql: SqlClient.SqlClient, column: string): Statement.Fragment =>
  sql.literal(`round(extract(epoch FROM ${column}) * 1000)::float8`)
