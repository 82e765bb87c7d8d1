/**
 * Exa websets' delivery: `{id, object: "event", type, data, createdAt}`, signed
 * in `Exa-Signature: t=<unix>,v1=<hex>`.
 */
import { Signing, type WireFormat } from "@herald/core"

const json = JSON.stringify

/**
 * Exa's delivery, `{id, object, type, data, createdAt}`, signed with `Exa-Signature` (one `v1=` per
 * current secret).
 */
export const wireFormat: WireFormat.WireFormat = {
  render: (event) =>
    `{"id":${json(event.id)},"object":"event","type":${json(event.type)},"data":${event.dataJson},"createdAt":${
      json(new Date(event.createdAt).toISOString())
    }}`,
  signatureHeaders: (secrets, _event, t, body) => ({ "Exa-Signature": Signing.timestampedSignature(secrets, t, body) })
}
