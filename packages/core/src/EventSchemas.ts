/**
 * Port: JSON Schema validation of event data. An event type may carry a JSON
 * Schema (`EventTypes`); a publish of that type whose data does not match it is
 * refused, naming the first mismatches. The core holds no validator (it depends
 * on `effect` only): `@herald/json-schema` provides one, and `@herald/runtime`
 * composes it. Without one, a schema cannot be registered and nothing is checked.
 */
import { Context, Either } from "effect"
import { fieldName, InvalidInput, Issue, MAX_REPORTED_ISSUES } from "./Errors.js"

/**
 * Where, in the checked value, and what is wrong: `path` from its root (`["items", 0, "sku"]`),
 * and `message` without the field's name (`must be integer`), which `refusal` puts before it.
 */
export interface Mismatch {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/** Checks data against one compiled schema: the first mismatches, none when it matches. */
export type Check = (data: unknown) => ReadonlyArray<Mismatch>

/** What a validator implements. */
export interface EventSchemasShape {
  /**
   * Compiles a JSON Schema (a parsed JSON value), or says why it is not one it accepts, with paths
   * inside the schema.
   */
  readonly compile: (schema: unknown) => Either.Either<Check, ReadonlyArray<Mismatch>>
}

/** The validator of a composition without one: every schema is refused, saying what to provide. */
export const unsupported: EventSchemasShape = {
  compile: () =>
    Either.left([{
      path: [],
      message: "cannot be checked: this deployment has no JSON Schema validator (its composition provides no EventSchemas, from @herald/json-schema)"
    }])
}

/**
 * The validator port; `unsupported` unless the composition provides one (`@herald/json-schema`'s
 * `JsonSchemas.layer`). Read by `EventTypes`.
 */
export class EventSchemas extends Context.Reference<EventSchemas>()("@herald/core/EventSchemas", {
  defaultValue: (): EventSchemasShape => unsupported
}) {}

/**
 * Mismatches as an `InvalidInput` whose issues name each field from `root` as the user sent it
 * (`data.items[0].sku must be string`), the first `MAX_REPORTED_ISSUES` of them, with `note` after each.
 */
export const refusal = (root: ReadonlyArray<string | number>, mismatches: ReadonlyArray<Mismatch>, note = ""): InvalidInput =>
  InvalidInput.of(
    mismatches.slice(0, MAX_REPORTED_ISSUES).map(({ message, path }) => {
      const full = [...root, ...path]
      return new Issue({ path: full, message: `${fieldName(full)} ${message}${note}` })
    }),
    mismatches.length
  )
