/**
 * `@herald/bullmq`: Herald's `DeliveryQueue` on BullMQ (Redis), for workers in
 * several processes: `BullMQDeliveryQueue.layer`.
 *
 * @packageDocumentation
 */
export * as BullMQDeliveryQueue from "./BullMQDeliveryQueue.js"
