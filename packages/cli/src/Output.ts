/**
 * How a command prints its answer: with `--json`, the API's JSON answer as is,
 * one document on stdout, so scripts can pipe it to `jq`; without it, a few
 * short lines or a small table for a person. Notes about what the command did
 * on its own (the example payload it used, say) go to stderr, so stdout stays
 * the answer in both modes.
 */
import { Options } from "@effect/cli"
import { Console, type Effect } from "effect"

/** `--json`: print the API's answer as JSON instead of lines for a person. */
export const json = Options.boolean("json").pipe(
  Options.withDescription("Print the API's JSON answer as is (one JSON document on stdout).")
)

/** Prints `answer` as JSON with `--json`, else the lines `human` makes of it. */
export const answer = <A>(asJson: boolean, value: A, human: (value: A) => ReadonlyArray<string>): Effect.Effect<void> =>
  asJson ? Console.log(JSON.stringify(value, null, 2)) : Console.log(human(value).join("\n"))

/** A line about what the command did on its own, on stderr. */
export const note = (line: string): Effect.Effect<void> => Console.error(line)

/** Rows under a header, each column as wide as its widest cell; `empty` when there are no rows. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  empty: string
): ReadonlyArray<string> => {
  if (rows.length === 0) return [empty]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)).join("  ")
  return [line(header), ...rows.map(line)]
}

/** A hint at the next page, when the API says there is one. */
export const nextPage = (cursor: string | null): ReadonlyArray<string> =>
  cursor === null ? [] : [`More: pass --cursor ${cursor}`]

/** `--limit`: a list prints one page of at most this many (the API's default when absent). */
export const limit = Options.integer("limit").pipe(
  Options.optional,
  Options.withDescription("At most this many per page (the API's default, 20, when absent; at most 100).")
)

/** `--cursor`: the page after the one that printed this cursor. */
export const cursor = Options.text("cursor").pipe(
  Options.optional,
  Options.withDescription("The page after the one that printed this cursor.")
)
