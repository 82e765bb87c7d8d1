/**
 * A typed client for Herald's API. `HeraldClient` is the Effect client derived
 * from the HttpApi contract; `createClient` is the same client behind Promises,
 * rejecting with the errors of `HeraldError`.
 *
 * @packageDocumentation
 */
export * as HeraldClient from "./HeraldClient.js"
export { type BodyOf, createClient, type Herald, type HeraldOptions, type QueryOf } from "./Herald.js"
export {
  type ErrorBody,
  HeraldAuthenticationError,
  HeraldBadRequestError,
  HeraldConflictError,
  HeraldConnectionError,
  HeraldError,
  HeraldNotFoundError,
  HeraldPermissionError,
  HeraldRateLimitError
} from "./HeraldError.js"
