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

/** What each of them means, as the portal's catalog shows it (a teamspace may describe them itself). */
export const eventTypeDescriptions: Readonly<Record<EventType.EventType, string>> = {
  "knowledge.processing.completed": "A knowledge source finished processing and can be queried.",
  "batch_prediction.completed": "A batch prediction finished; its results are ready.",
  "batch_prediction.failed": "A batch prediction stopped with an error.",
  "batch_prediction.expired": "A batch prediction expired before it finished.",
  "batch_prediction.cancelled": "A batch prediction was cancelled."
}
