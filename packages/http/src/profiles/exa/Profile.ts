/**
 * The Exa websets profile, whole: its routes under `/websets`, its error
 * bodies, its authentication (`x-api-key`, else a bearer token), its envelope
 * and its event types.
 */
import { type api, contract } from "./Api.js"
import * as Authenticator from "./Authenticator.js"
import * as Envelope from "./Envelope.js"
import * as Errors from "./Errors.js"
import * as EventsHandlers from "./EventsHandlers.js"
import { eventTypeDescriptions, eventTypeExamples, eventTypes } from "./EventTypes.js"
import * as Handlers from "./Handlers.js"
import * as HttpProfile from "../HttpProfile.js"

/** Its type, named so that the registry's can be. */
export type Exa = HttpProfile.HttpProfile<
  typeof api,
  typeof Handlers.layer | typeof EventsHandlers.layer,
  typeof Authenticator.layer
>

/** The Exa websets profile, as `Profiles.all` registers it. */
export const profile: Exa = {
  ...contract,
  wireFormat: Envelope.wireFormat,
  eventTypes,
  eventTypeDescriptions,
  eventTypeExamples,
  paths: ["/websets"],
  errors: Errors.responder,
  apiKeyOf: (request) => {
    const apiKey = request.headers["x-api-key"] ?? ""
    return apiKey !== "" ? apiKey : HttpProfile.strictBearerToken(request)
  },
  teamspaceAsked: () => undefined,
  handlers: [Handlers.layer, EventsHandlers.layer],
  authentication: Authenticator.layer
}
