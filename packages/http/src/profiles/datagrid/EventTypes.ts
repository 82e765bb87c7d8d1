/** The event types the datagrid profile accepts unless `HERALD_EVENT_TYPES_DATAGRID` replaces them. */
import type { EventType } from "@herald/core"

/** Datagrid's documented events (seed 002). */
export const eventTypes: ReadonlyArray<EventType.EventType> = [
  "knowledge.processing.completed",
  "batch_prediction.completed",
  "batch_prediction.failed",
  "batch_prediction.expired",
  "batch_prediction.cancelled"
]
