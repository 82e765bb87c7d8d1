/**
 * Diga documents no delivery format: Standard Webhooks headers
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`), our own envelope
 * `{id, event, timestamp, data}`.
 */
import { Signing, type WireFormat } from "@herald/core"

const json = JSON.stringify

/** Diga's delivery, `{id, event, timestamp, data}`, signed with Standard Webhooks headers. */
export const wireFormat: WireFormat.WireFormat = {
  render: (event) =>
    `{"id":${json(event.id)},"event":${json(event.type)},"timestamp":${
      json(new Date(event.createdAt).toISOString())
    },"data":${event.dataJson}}`,
  signatureHeaders: (secrets, event, t, body) => Signing.standardHeaders(secrets, event.id, t, body)
}
