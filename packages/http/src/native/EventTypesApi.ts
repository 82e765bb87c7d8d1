/**
 * The event type catalog (Herald-native, Datagrid wire style): list a
 * teamspace's event types per profile, register one with a description, a JSON
 * Schema and an example, change it, archive it. The catalog is the configured
 * types (`HERALD_EVENT_TYPES_<PROFILE>`) with the teamspace's own definitions
 * over them (`EventTypes` in the core).
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Limit, limitDescription, strict } from "../contract/ApiParams.js"
import { reported } from "../contract/InputIssues.js"
import * as ContractProfiles from "../contract/Profiles.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { BadRequest, Conflict, NotFound } from "../profiles/datagrid/Errors.js"
import * as RateLimiting from "../edge/RateLimiting.js"
import * as Scopes from "../edge/Scopes.js"

/** The `name` path parameter: an event type's name, checked by the core (an unknown one is a 404). */
export const eventTypeName = HttpApiSchema.param("name", Schema.String)

/** The registered profiles' names, as the docs list them. */
const profileNames = ContractProfiles.all.map((profile) => `\`${profile.name}\``).join(", ")

const profileParam = Schema.optional(Schema.String).annotations({
  description: `The profile whose catalog this is: one of ${profileNames} (the default profile when absent).`
})

/** One event type of a teamspace's catalog. */
export const EventTypeObject = Schema.Struct({
  object: Schema.Literal("event_type"),
  name: Schema.String,
  profile: Schema.String.annotations({ description: "The profile whose webhooks may subscribe to it." }),
  description: Schema.String,
  schema: Schema.Unknown.annotations({
    description: "The JSON Schema (draft 2020-12, or draft-07 by its `$schema`) a published event's data must match; null for none."
  }),
  example: Schema.Unknown.annotations({ description: "An example of the event's data; null for none." }),
  archived: Schema.Boolean.annotations({
    description: "Archived: no new subscription or publish may use it; webhooks subscribed to it keep it."
  }),
  created_at: Schema.NullOr(Schema.String).annotations({
    description: "When your teamspace defined it; null for a configured type you never changed."
  }),
  updated_at: Schema.NullOr(Schema.String)
}).annotations({ identifier: "EventType" })

/** A page of a catalog, by profile then name, with the next page's cursor. */
export const EventTypeList = Schema.Struct({
  object: Schema.Literal("list"),
  data: Schema.Array(EventTypeObject),
  next_cursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "EventTypeList" })

const schemaField = Schema.optional(Schema.Unknown).annotations({
  description:
    "A JSON Schema (a JSON object; draft 2020-12, or draft-07 by its `$schema`) the event's data must match when published; null for none. At most 16 KiB. Misspelt keywords are refused."
})

const exampleField = Schema.optional(Schema.Unknown).annotations({
  description: "An example of the event's data (a JSON object matching the schema); null for none. At most 16 KiB."
})

/** The body of a registration. */
export const CreateEventTypeRequestBody = Schema.Struct({
  name: Schema.String.annotations({ description: "Lowercase words joined by dots, e.g. `invoice.paid`; at most 128 characters." }),
  profile: profileParam,
  description: Schema.optional(Schema.String).annotations({ description: "What the event means; at most 1,000 characters." }),
  schema: schemaField,
  example: exampleField
}).annotations({ identifier: "CreateEventTypeRequestBody", ...strict })

/** The body of a change: the fields to change. */
export const UpdateEventTypeRequestBody = Schema.Struct({
  description: Schema.optional(Schema.String),
  schema: schemaField,
  example: exampleField,
  archived: Schema.optional(Schema.Boolean).annotations({ description: "`false` restores an archived type." })
}).annotations({ identifier: "UpdateEventTypeRequestBody", ...strict })

/**
 * The catalog's routes (`eventTypes` group): list, retrieve, register, change and archive event
 * types. Bearer authentication, Datagrid error bodies; `EventTypesHandlers` implements them.
 */
export class EventTypes extends HttpApiGroup.make("eventTypes")
  .add(
    HttpApiEndpoint.get("list", "/v1/event-types")
      .setUrlParams(reported(Schema.Struct({
        profile: Schema.optional(Schema.String).annotations({ description: "Only this profile's catalog; every profile's when absent." }),
        include_archived: Schema.optional(Schema.BooleanFromString).annotations({ description: "List archived types too." }),
        limit: Schema.optional(Limit).annotations({ description: limitDescription }),
        cursor: Schema.optional(Schema.String)
      })))
      .addSuccess(EventTypeList)
      .annotate(OpenApi.Summary, "List event types")
      .annotate(
        OpenApi.Description,
        "Your teamspace's catalog: the configured types and those you registered, by profile then name, archived ones only when asked."
      )
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/event-types/${eventTypeName}`
      .setUrlParams(reported(Schema.Struct({ profile: profileParam })))
      .addSuccess(EventTypeObject)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Retrieve an event type")
      .annotate(
        OpenApi.Description,
        "One type of your teamspace's catalog for a profile, archived or not: its description, schema and example."
      )
  )
  .add(
    HttpApiEndpoint.post("create", "/v1/event-types")
      .annotate(Scopes.Required, Scopes.write)
      .annotate(Scopes.KeysOnly, true)
      // A schema is compiled when registered or changed (a few milliseconds to tens): kept to webhook creation's rate.
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(CreateEventTypeRequestBody))
      .addSuccess(EventTypeObject, { status: 201 })
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Register an event type")
      .annotate(
        OpenApi.Description,
        "Adds a type to your teamspace's catalog for a profile, so its webhooks may subscribe to it and you may publish it. Registering an archived type again makes it live with what this request sends; `PATCH` with `archived: false` restores it as it was. A configured type is already there: change it with PATCH."
      )
  )
  .add(
    HttpApiEndpoint.patch("update")`/v1/event-types/${eventTypeName}`
      .annotate(Scopes.Required, Scopes.write)
      .annotate(Scopes.KeysOnly, true)
      // A schema is compiled when registered or changed (a few milliseconds to tens): kept to webhook creation's rate.
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setUrlParams(reported(Schema.Struct({ profile: profileParam })))
      .setPayload(reported(UpdateEventTypeRequestBody))
      .addSuccess(EventTypeObject)
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Change an event type")
      .annotate(
        OpenApi.Description,
        "Changes the description, schema or example (null removes one), or restores an archived type. A new schema applies to publishes from now on; other API processes see it within a second."
      )
  )
  .add(
    HttpApiEndpoint.del("archive")`/v1/event-types/${eventTypeName}`
      .annotate(Scopes.Required, Scopes.write)
      .annotate(Scopes.KeysOnly, true)
      .setUrlParams(reported(Schema.Struct({ profile: profileParam })))
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Archive an event type")
      .annotate(
        OpenApi.Description,
        "No new subscription or publish may use it from now on; webhooks subscribed to it keep it in their list. Register it again, or PATCH `archived: false`, to restore it."
      )
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.read)
  .annotate(OpenApi.Title, "Event types")
  .annotate(OpenApi.Description, "Your teamspace's event type catalog, with descriptions, JSON Schemas and examples.")
{}
