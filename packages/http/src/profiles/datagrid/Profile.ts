/**
 * The Datagrid profile, whole: its routes under `/v1/webhooks`, its error
 * bodies, its bearer-token authentication (with `Datagrid-Teamspace` to choose
 * a teamspace), its envelope and its event types. Herald's native routes answer
 * in its error shape, and it is the default profile (listed first).
 */
import { type api, contract } from "./Api.js"
import * as Authenticator from "./Authenticator.js"
import { TEAMSPACE_HEADER } from "./Authentication.js"
import * as Envelope from "./Envelope.js"
import * as Errors from "./Errors.js"
import { eventTypeDescriptions, eventTypeExamples, eventTypes } from "./EventTypes.js"
import * as Handlers from "./Handlers.js"
import * as HttpProfile from "../HttpProfile.js"

/** Its type, named so that the registry's can be. */
export type Datagrid = HttpProfile.HttpProfile<typeof api, typeof Handlers.layer, typeof Authenticator.layer>

/** The Datagrid profile, as `Profiles.all` registers it. */
export const profile: Datagrid = {
  ...contract,
  wireFormat: Envelope.wireFormat,
  eventTypes,
  eventTypeDescriptions,
  eventTypeExamples,
  paths: ["/v1/webhooks"],
  errors: Errors.responder,
  apiKeyOf: HttpProfile.bearerToken,
  teamspaceAsked: (request) => request.headers[TEAMSPACE_HEADER],
  handlers: [Handlers.layer],
  authentication: Authenticator.layer
}
