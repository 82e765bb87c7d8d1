export * as BullMQDeliveryQueue from "./BullMQDeliveryQueue.js"
