/**
 * A typed client for Herald's API. `HeraldClient` is the Effect client derived
 * from the HttpApi contract.
 *
 * @packageDocumentation
 */
export * as HeraldClient from "./HeraldClient.js"
