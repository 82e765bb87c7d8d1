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

/** A batch prediction as its events carry it: seed 002's delivery example, with a status of its own. */
const batchPrediction = (id: string, status: string): Record<string, unknown> => ({
  object: "batch_prediction",
  id,
  status,
  results_url: `/v1/batch-predictions/${id}/results`
})

/**
 * The `data` each delivers, as the catalog's example (what `herald trigger` publishes without `--data`).
 * Seed 002 shows a batch prediction event's data in full; of `knowledge.processing.completed` it names only
 * the fields (knowledge_id, teamspace_id, scope, status, row_counts), so their values here are our guesses.
 */
export const eventTypeExamples: Readonly<Record<EventType.EventType, Record<string, unknown>>> = {
  "knowledge.processing.completed": {
    knowledge_id: "kn_01JEXAMPLE7Q3M8V2D4K6N9P0R",
    teamspace_id: "ts_01JEXAMPLE5B7C9D1F3G5H7J9K",
    scope: "knowledge",
    status: "ready",
    row_counts: { total: 1200, processed: 1200, failed: 0 }
  },
  "batch_prediction.completed": batchPrediction("bpred_01JEXAMPLE2W4X6Y8Z0A2B4C6", "completed"),
  "batch_prediction.failed": batchPrediction("bpred_01JEXAMPLE3D5E7F9G1H3J5K7", "failed"),
  "batch_prediction.expired": batchPrediction("bpred_01JEXAMPLE4L6M8N0P2Q4R6S8", "expired"),
  "batch_prediction.cancelled": batchPrediction("bpred_01JEXAMPLE5T7V9W1X3Y5Z7A9", "cancelled")
}
