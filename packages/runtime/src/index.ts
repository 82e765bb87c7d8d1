/**
 * `@herald/runtime`: Herald's processes. `Environment` reads every variable a
 * process uses, `Ports` provides the adapters (memory, or Redis and BullMQ),
 * `Process` runs a role (API, worker or both) and `Launch` starts one from a
 * main; `Embedded` runs Herald inside another application's process, and
 * `ApiKeyAdmin` is the API keys command.
 *
 * @packageDocumentation
 */
export * as ApiKeyAdmin from "./ApiKeyAdmin.js"
export * as ApiKeySeed from "./ApiKeySeed.js"
export * as Embedded from "./Embedded.js"
export * as Environment from "./Environment.js"
export * as Launch from "./Launch.js"
export * as Logging from "./Logging.js"
export * as MigrateCommand from "./MigrateCommand.js"
export * as Ports from "./Ports.js"
export * as Process from "./Process.js"
export * as Variable from "./Variable.js"
// Herald without Effect (PromiseApi.ts): createHerald, its types, and the errors its calls reject with.
export {
  type ApiKey,
  type ApiKeysApi,
  type Attempt,
  createHerald,
  type CreatedWebhook,
  type CreateWebhook,
  type DeliveryLogApi,
  type DeliveryStatus,
  type Event,
  EventConflict,
  EventDataTooLarge,
  EventNotFound,
  type EventPage,
  type EventWithDeliveries,
  type Herald,
  HeraldClosed,
  type HeraldError,
  type HeraldOptions,
  InvalidInput,
  type IssueKeyOptions,
  type LogLevelName,
  type MemoryStorage,
  type NodeHandler,
  type NodeHandlerOptions,
  type Published,
  type PublishEvent,
  RedisError,
  type RedisStorage,
  type ReplayApi,
  type UpdateWebhook,
  type Webhook,
  WebhookNotFound,
  type WebhookPage,
  type WebhooksApi
} from "./PromiseApi.js"
