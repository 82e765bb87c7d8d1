/**
 * What the services accept as a JSON object (event data, an event type's
 * schema and example): a plain object, not an array or null.
 */

/** Whether `value` is a JSON object: an object, not an array, not null. */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
