/** How dates, durations and rates read on the page. */

/** A date-time in the reader's locale, or the text as it is when it is not a date. */
export const dateTime = (iso: string): string => {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" })
}

/** `123 ms`, `1.5 s`. */
export const duration = (ms: number): string => ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`

/** The share of successes as a whole percentage; undefined with no attempts. */
export const successRate = (attempts: ReadonlyArray<{ readonly successful: boolean }>): number | undefined =>
  attempts.length === 0 ? undefined : Math.round((100 * attempts.filter((a) => a.successful).length) / attempts.length)

/** A `datetime-local` input's value (local time) as ISO 8601 with a zone; undefined when empty or invalid. */
export const localToIso = (value: string): string | undefined => {
  if (value.trim() === "") return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** A date as a `datetime-local` value (local time, to the minute). */
export const isoToLocal = (date: Date): string => {
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}
