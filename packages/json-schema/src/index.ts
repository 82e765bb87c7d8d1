/**
 * `@herald/json-schema`: Herald's JSON Schema validator for event types
 * (`JsonSchemas`, the core's `EventSchemas` port on Ajv). With it, an event type
 * registered with a schema refuses a publish whose data does not match.
 *
 * @packageDocumentation
 */
export * as JsonSchemas from "./JsonSchemas.js"
