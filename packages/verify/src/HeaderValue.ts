/** What Node (`IncomingHttpHeaders`), Express and most frameworks hand you for one header. */
export type RawHeaderValue = string | ReadonlyArray<string> | null | undefined

/** A header bag: a plain record (any key case) or a fetch `Headers`. */
export type HeaderBag = Readonly<Record<string, string | ReadonlyArray<string> | undefined>> | Headers

// Generous for a rotation set of signatures, small enough that parsing garbage is cheap.
export const MAX_SIGNATURE_HEADER_LENGTH = 8192

/**
 * A header read off the wire. Not a bare string with sentinel values: "missing" is a
 * perfectly valid `webhook-id`.
 */
export type HeaderRead =
  | { readonly kind: "value"; readonly value: string }
  /** Absent or blank. */
  | { readonly kind: "missing" }
  /** Sent more than once with different values; we refuse to guess which to trust. */
  | { readonly kind: "ambiguous" }

const MISSING: HeaderRead = { kind: "missing" }
const AMBIGUOUS: HeaderRead = { kind: "ambiguous" }

export const singleValue = (raw: RawHeaderValue): HeaderRead => {
  if (raw === null || raw === undefined) return MISSING
  if (typeof raw === "string") return raw.trim() === "" ? MISSING : { kind: "value", value: raw.trim() }
  if (!Array.isArray(raw)) return AMBIGUOUS
  const distinct = new Set<string>()
  for (const v of raw) {
    if (typeof v !== "string") return AMBIGUOUS
    if (v.trim() !== "") distinct.add(v.trim())
  }
  const [first, ...rest] = distinct
  if (first === undefined) return MISSING
  return rest.length > 0 ? AMBIGUOUS : { kind: "value", value: first }
}

const isFetchHeaders = (bag: HeaderBag): bag is Headers =>
  typeof (bag as { get?: unknown }).get === "function" && typeof (bag as { has?: unknown }).has === "function"

/** Case-insensitive lookup, since plain records are not always lower-cased (unlike Node's). */
export const readHeader = (bag: HeaderBag, name: string): HeaderRead => {
  if (isFetchHeaders(bag)) return singleValue(bag.get(name))
  const lower = name.toLowerCase()
  const values: Array<string> = []
  for (const [key, value] of Object.entries(bag)) {
    if (key.toLowerCase() !== lower || value === undefined) continue
    if (typeof value === "string") values.push(value)
    else if (Array.isArray(value)) values.push(...(value as ReadonlyArray<string>))
    else return AMBIGUOUS
  }
  return singleValue(values)
}
