/**
 * Portal sessions (Herald-native, Datagrid wire style): the provider's backend
 * opens one for a customer's teamspace and sends the customer to its link; the
 * portal page reads its own session back.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { strict } from "../contract/ApiParams.js"
import { reported } from "../contract/InputIssues.js"
import { NotReplayed } from "../contract/NotReplayed.js"
import * as ContractProfiles from "../contract/Profiles.js"
import { Authentication } from "../profiles/datagrid/Authentication.js"
import { BadRequest, NotFound } from "../profiles/datagrid/Errors.js"
import * as RateLimiting from "../edge/RateLimiting.js"
import * as Scopes from "../edge/Scopes.js"

const sessionFields = {
  object: Schema.Literal("portal_session"),
  teamspace: Schema.String,
  profile: Schema.String.annotations({
    description: "The profile the page creates webhooks through (their envelopes and signatures), and whose catalog it shows."
  }),
  read_only: Schema.Boolean,
  expires_at: Schema.String.annotations({ description: "When the token stops working (ISO 8601)." })
}

/** A portal session as its own token reads it back. */
export const PortalSessionObject = Schema.Struct(sessionFields).annotations({ identifier: "PortalSession" })

/** A new portal session: its link, and its token, shown this once. */
export const OpenedPortalSession = Schema.Struct({
  ...sessionFields,
  url: Schema.String.annotations({
    description:
      "The portal page with the token in the fragment (`/portal/#token=...`), which browsers never send to a server: open it, or put it in an iframe."
  }),
  token: Schema.String.annotations({ description: "The session's token (`hps_...`), shown this once." })
}).annotations({ identifier: "OpenedPortalSession" })

/** The body of a new session: all optional. */
export const OpenPortalSessionRequestBody = Schema.Struct({
  read_only: Schema.optional(Schema.Boolean).annotations({
    description: "A read-only session sees endpoints, attempts and the catalog, and changes nothing. False by default."
  }),
  expires_in: Schema.optional(Schema.Number).annotations({
    description: "Seconds the session lasts: 60 to 86400 (a day); 3600 by default."
  }),
  profile: Schema.optional(Schema.String).annotations({
    description: `One of ${
      ContractProfiles.all.map((profile) => `\`${profile.name}\``).join(", ")
    }: the profile new endpoints are created through. The default profile when absent.`
  })
}).annotations({ identifier: "OpenPortalSessionRequestBody", ...strict })

/**
 * The portal's routes (`portal` group): open a session (API keys only), read the current one.
 * Bearer authentication, Datagrid error bodies; `PortalHandlers` implements them.
 */
export class Portal extends HttpApiGroup.make("portal")
  .add(
    HttpApiEndpoint.post("openSession", "/v1/portal/sessions")
      .annotate(Scopes.Required, Scopes.write)
      .annotate(Scopes.KeysOnly, true)
      // Its answer holds the session's token: a retry opens another session rather than replaying it.
      .annotate(NotReplayed, true)
      .annotate(RateLimiting.RouteLimit, RateLimiting.creatingWebhooks)
      .setPayload(reported(OpenPortalSessionRequestBody))
      .addSuccess(OpenedPortalSession, { status: 201 })
      .annotate(OpenApi.Summary, "Open a portal session")
      .annotate(
        OpenApi.Description,
        "A short-lived link to the webhook portal of your teamspace, for one of your customers: it lists, creates and changes endpoints, shows their attempts, redelivers, reveals and rotates secrets and sends test events (a read-only session only looks). Call it from your backend; send the customer to `url`, or put it in an iframe."
      )
  )
  .add(
    HttpApiEndpoint.get("currentSession", "/v1/portal/session")
      .addSuccess(PortalSessionObject)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Read the current portal session")
      .annotate(OpenApi.Description, "The session of the token this request is made with (a 404 for an API key): what the portal page reads first.")
  )
  .addError(BadRequest)
  .middleware(Authentication)
  .annotate(Scopes.Required, Scopes.read)
  .annotate(OpenApi.Title, "Portal")
  .annotate(OpenApi.Description, "The customer webhook portal's sessions.")
{}
