/**
 * The delivery side of a profile: how an event becomes the bytes and headers a
 * receiver gets. The payload is already JSON text, so rendering is assembly; the
 * signing time goes into the body where the profile documents it (Datagrid's
 * `timestamp` is "used for signature verification", i.e. equals `t=`).
 */
import type { Event } from "./Event.js"
import type { Profile } from "./Profile.js"
import { standardHeaders, timestampedSignature } from "./Signing.js"

export interface WireFormat {
  /** The JSON body for a delivery signed at unix time `t`. */
  readonly render: (event: Event, t: number) => string
  /** The signature headers for a rendered body. */
  readonly signatureHeaders: (secrets: ReadonlyArray<string>, event: Event, t: number, body: string) => Record<string, string>
}

const json = JSON.stringify

const datagrid: WireFormat = {
  render: (event, t) =>
    `{"id":${json(event.id)},"event_type":${json(event.type)},"timestamp":${t},"data":${event.dataJson}}`,
  signatureHeaders: (secrets, _event, t, body) => ({ "Datagrid-Signature": timestampedSignature(secrets, t, body) })
}

const exa: WireFormat = {
  render: (event) =>
    `{"id":${json(event.id)},"object":"event","type":${json(event.type)},"data":${event.dataJson},"createdAt":${
      json(new Date(event.createdAt).toISOString())
    }}`,
  signatureHeaders: (secrets, _event, t, body) => ({ "Exa-Signature": timestampedSignature(secrets, t, body) })
}

/** Diga documents no delivery format: Standard Webhooks headers, our own envelope. */
const diga: WireFormat = {
  render: (event) =>
    `{"id":${json(event.id)},"event":${json(event.type)},"timestamp":${
      json(new Date(event.createdAt).toISOString())
    },"data":${event.dataJson}}`,
  signatureHeaders: (secrets, event, t, body) => standardHeaders(secrets, event.id, t, body)
}

const formats: Record<Profile, WireFormat> = { datagrid, exa, diga }

export const forProfile = (profile: Profile): WireFormat => formats[profile]
