/**
 * Datagrid's delivery: `{id, event_type, timestamp, data}`, where `timestamp` is
 * "used for signature verification", i.e. equals the signing time `t=` of the
 * `Datagrid-Signature: t=<unix>,v1=<hex>` header.
 */
import { Signing, type WireFormat } from "@herald/core"

const json = JSON.stringify

/** Datagrid's delivery, `{id, event_type, timestamp, data}`, signed with `Datagrid-Signature` (one `v1=` per current secret). */
export const wireFormat: WireFormat.WireFormat = {
  render: (event, t) =>
    `{"id":${json(event.id)},"event_type":${json(event.type)},"timestamp":${t},"data":${event.dataJson}}`,
  signatureHeaders: (secrets, _event, t, body) => ({ "Datagrid-Signature": Signing.timestampedSignature(secrets, t, body) })
}
