/**
 * The Diga profile, whole: its routes under `/v1/webhook`, its error bodies
 * (FastAPI's shapes), its bearer-token authentication, its envelope (Standard
 * Webhooks headers) and its event types.
 */
import { type api, contract } from "./Api.js"
import * as Authenticator from "./Authenticator.js"
import * as Envelope from "./Envelope.js"
import * as Errors from "./Errors.js"
import { eventTypeDescriptions, eventTypeExamples, eventTypes } from "./EventTypes.js"
import * as Handlers from "./Handlers.js"
import * as HttpProfile from "../HttpProfile.js"

/** Its type, named so that the registry's can be. */
export type Diga = HttpProfile.HttpProfile<typeof api, typeof Handlers.layer, typeof Authenticator.layer>

/** The Diga profile, as `Profiles.all` registers it. */
export const profile: Diga = {
  ...contract,
  wireFormat: Envelope.wireFormat,
  eventTypes,
  eventTypeDescriptions,
  eventTypeExamples,
  paths: ["/v1/webhook"],
  errors: Errors.responder,
  apiKeyOf: HttpProfile.bearerToken,
  teamspaceAsked: () => undefined,
  handlers: [Handlers.layer],
  authentication: Authenticator.layer
}
