/**
 * Herald's HTTP contract: the `HeraldApi` definition (every profile's routes,
 * schemas and error bodies), importable without the server, e.g. to derive a
 * client with `HttpApiClient.make(HeraldApi)`. The server side is
 * `@herald/http/HttpApp`; each module is importable by its path.
 */
export { HeraldApi } from "./Contract.js"
