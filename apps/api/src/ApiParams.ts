/** Path and query parameters that several groups of the contract share. */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export const DEFAULT_PAGE_SIZE = 20

export const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)).annotations({
  description: `Page size, 1 to 100 (default ${DEFAULT_PAGE_SIZE}).`
})

export const webhookId = HttpApiSchema.param("webhook_id", Schema.String)
export const eventId = HttpApiSchema.param("event_id", Schema.String)
