import { randomBytes } from "node:crypto"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { SecretCipher } from "@herald/core"

const key = randomBytes(32)
const cipher = SecretCipher.aes256gcm(key)
const secret = "whsec_" + randomBytes(32).toString("base64")

describe("SecretCipher", () => {
  it("round-trips, with a fresh IV each time and no plaintext in the output", () => {
    const once = cipher.encrypt(secret)
    const twice = cipher.encrypt(secret)
    expect(once).toMatch(/^enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(once).not.toBe(twice)
    expect(once).not.toContain(secret.slice(6, 20))
    expect(cipher.decrypt(once)).toBe(secret)
    expect(cipher.decrypt(twice)).toBe(secret)
  })

  it("refuses a tampered value or the wrong key", () => {
    const sealed = cipher.encrypt(secret)
    // Flip one bit of the ciphertext itself: editing a base64 character near the end
    // could touch only padding bits, which decode to the same bytes.
    const parts = sealed.split(":")
    const ciphertext = Buffer.from(parts.at(-1)!, "base64")
    ciphertext[0] = ciphertext[0]! ^ 1
    const tampered = [...parts.slice(0, -1), ciphertext.toString("base64")].join(":")
    expect(tampered).not.toBe(sealed)
    expect(() => cipher.decrypt(tampered)).toThrow()
    expect(() => SecretCipher.aes256gcm(randomBytes(32)).decrypt(sealed)).toThrow()
  })

  it("reads plaintext written before encryption was turned on; without a key, refuses encrypted values", () => {
    expect(cipher.decrypt(secret)).toBe(secret)
    expect(SecretCipher.plaintext.encrypt(secret)).toBe(secret)
    expect(() => SecretCipher.plaintext.decrypt(cipher.encrypt(secret))).toThrow("HERALD_ENCRYPTION_KEY")
  })

  it("takes a 32-byte key as hex or base64 (HERALD_ENCRYPTION_KEY is read in @herald/runtime's Environment)", () => {
    expect(Either.isRight(SecretCipher.parseKey(key.toString("hex")))).toBe(true)
    expect(Either.isRight(SecretCipher.parseKey(key.toString("base64")))).toBe(true)
    expect(Either.isLeft(SecretCipher.parseKey("too-short"))).toBe(true)
  })
})
