import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { Signing } from "@herald/core"

describe("Signing", () => {
  it("makes whsec_ secrets of 32 random bytes", () => {
    const secret = Signing.generateSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32)
    expect(Signing.generateSecret()).not.toBe(secret)
  })

  it("signs t=/v1= over `${t}.${body}` keyed with the secret string, one v1 per secret", () => {
    const body = "{\"id\":\"evt_1\"}"
    const header = Signing.timestampedSignature(["whsec_a", "whsec_b"], 1775847600, body)
    const expected = (secret: string) => createHmac("sha256", secret).update(`1775847600.${body}`).digest("hex")
    expect(header).toBe(`t=1775847600,v1=${expected("whsec_a")},v1=${expected("whsec_b")}`)
  })

  it("signs Standard Webhooks over `${id}.${t}.${body}` keyed with the decoded secret", () => {
    const key = Buffer.from("0123456789abcdef0123456789abcdef")
    const secret = `whsec_${key.toString("base64")}`
    const headers = Signing.standardHeaders([secret], "msg_1", 1775847600, "{}")
    const expected = createHmac("sha256", key).update("msg_1.1775847600.{}").digest("base64")
    expect(headers).toEqual({
      "webhook-id": "msg_1",
      "webhook-timestamp": "1775847600",
      "webhook-signature": `v1,${expected}`
    })
  })
})
