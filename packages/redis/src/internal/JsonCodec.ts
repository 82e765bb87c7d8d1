/**
 * Domain objects at rest: the Schema encoding of a class, as a JSON string
 * (`trustedEncode` skips the encoding's checks for values built from checked parts).
 * Redacted fields encode to their plain value (readable at rest until
 * encryption at rest lands) and decode back to `Redacted`. A record that no
 * longer decodes is corrupt data, so it is a defect, not a typed failure.
 */
import { Effect, Schema } from "effect"

export interface JsonCodec<A> {
  readonly encode: (value: A) => Effect.Effect<string>
  readonly decode: (json: string) => Effect.Effect<A>
}

export interface Options {
  /**
   * Values are written as `JSON.stringify` makes them, without the schema's
   * encoding: for a schema that transforms nothing (its encoded form is the
   * value's own fields) whose values Herald builds itself from validated
   * parts, on a hot path. Reading still decodes and validates. The adapter's
   * tests must check that the two encodings agree for its schema.
   */
  readonly trustedEncode?: boolean | undefined
}

export const make = <A, I>(schema: Schema.Schema<A, I>, options: Options = {}): JsonCodec<A> => {
  const json = Schema.parseJson(schema)
  const encode = Schema.encode(json)
  const decode = Schema.decodeUnknown(json)
  return {
    encode: options.trustedEncode === true
      ? (value) => Effect.sync(() => JSON.stringify(value))
      : (value) => Effect.orDie(encode(value)),
    decode: (text) => Effect.orDie(decode(text))
  }
}
