/**
 * Domain objects at rest: the Schema encoding of a class, as a JSON string.
 * Redacted fields encode to their plain value (readable at rest until
 * encryption at rest lands) and decode back to `Redacted`. A record that no
 * longer decodes is corrupt data, so it is a defect, not a typed failure.
 */
import { Effect, Schema } from "effect"

export interface JsonCodec<A> {
  readonly encode: (value: A) => Effect.Effect<string>
  readonly decode: (json: string) => Effect.Effect<A>
}

export const make = <A, I>(schema: Schema.Schema<A, I>): JsonCodec<A> => {
  const json = Schema.parseJson(schema)
  const encode = Schema.encode(json)
  const decode = Schema.decodeUnknown(json)
  return {
    encode: (value) => Effect.orDie(encode(value)),
    decode: (text) => Effect.orDie(decode(text))
  }
}
