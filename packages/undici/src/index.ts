/**
 * `@herald/undici`: Herald's `Transport` on undici, the one that sends
 * deliveries in production: `UndiciTransport.layer`.
 *
 * @packageDocumentation
 */
export * as UndiciTransport from "./UndiciTransport.js"
