import { describe, expect, it } from "vitest"
import { Event } from "@herald/core"
import * as Datagrid from "../../src/profiles/datagrid/Envelope.js"
import * as Diga from "../../src/profiles/diga/Envelope.js"
import * as Exa from "../../src/profiles/exa/Envelope.js"
import type { Ids } from "@herald/core"

const event = new Event.Event({
  id: "evt_7f3d8a2c" as Ids.EventId,
  teamspace: "acme" as Ids.TeamspaceId,
  type: "batch_prediction.completed",
  dataJson: JSON.stringify({ object: "batch_prediction", id: "bpred_abc123", note: "héllo \"quoted\"" }),
  createdAt: Date.UTC(2026, 3, 10, 19, 0, 0)
})

describe("the profiles' envelopes", () => {
  it("renders the Datagrid envelope with timestamp equal to the signing time", () => {
    const body = Datagrid.wireFormat.render(event, 1775847600)
    expect(JSON.parse(body)).toEqual({
      id: "evt_7f3d8a2c",
      event_type: "batch_prediction.completed",
      timestamp: 1775847600,
      data: { object: "batch_prediction", id: "bpred_abc123", note: "héllo \"quoted\"" }
    })
    const headers = Datagrid.wireFormat.signatureHeaders(["whsec_x"], event, 1775847600, body)
    expect(headers["Datagrid-Signature"]).toMatch(/^t=1775847600,v1=[0-9a-f]{64}$/)
  })

  it("renders the Exa envelope", () => {
    const body = Exa.wireFormat.render(event, 1)
    expect(Object.keys(JSON.parse(body))).toEqual(["id", "object", "type", "data", "createdAt"])
    expect(JSON.parse(body)).toMatchObject({ object: "event", type: event.type, createdAt: "2026-04-10T19:00:00.000Z" })
    expect(Object.keys(Exa.wireFormat.signatureHeaders(["whsec_x"], event, 1, body))).toEqual(["Exa-Signature"])
  })

  it("renders the Diga envelope with Standard Webhooks headers", () => {
    const body = Diga.wireFormat.render(event, 1)
    expect(Object.keys(JSON.parse(body))).toEqual(["id", "event", "timestamp", "data"])
    const headers = Diga.wireFormat.signatureHeaders([`whsec_${Buffer.from("k").toString("base64")}`], event, 7, body)
    expect(headers["webhook-id"]).toBe(event.id)
    expect(headers["webhook-timestamp"]).toBe("7")
  })
})
