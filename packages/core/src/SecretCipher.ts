/**
 * Signing secrets at rest. With `HERALD_ENCRYPTION_KEY` set, stores that keep
 * data outside the process (Redis) write each secret AES-256-GCM encrypted as
 * `enc:v1:<iv>:<tag>:<ciphertext>` (base64); without it they write it as it is.
 * A stored secret without the prefix is read as plaintext, so encryption can be
 * turned on over existing data; one with it but no key configured is a defect,
 * never silently used as a signing key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Context, Either, Layer, Option } from "effect"

/** Turns a signing secret into what a store writes, and back. */
export interface SecretCipherShape {
  readonly encrypt: (plaintext: string) => string
  readonly decrypt: (stored: string) => string
}

const PREFIX = "enc:v1:"

/**
 * The cipher without a key: writes secrets as they are; reading an encrypted one throws (a defect:
 * the key is missing from the configuration).
 */
export const plaintext: SecretCipherShape = {
  encrypt: (secret) => secret,
  decrypt: (stored) => {
    if (stored.startsWith(PREFIX)) throw new Error("a stored secret is encrypted, but HERALD_ENCRYPTION_KEY is not set")
    return stored
  }
}

/**
 * The cipher with a 32-byte key (`parseKey`): writes `enc:v1:` AES-256-GCM, reads both that and
 * plaintext. Throws on a key of another length.
 */
export const aes256gcm = (key: Uint8Array): SecretCipherShape => {
  if (key.length !== 32) throw new Error("an AES-256 key is 32 bytes")
  return {
    encrypt: (secret) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", key, iv)
      const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()])
      return `${PREFIX}${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${ciphertext.toString("base64")}`
    },
    decrypt: (stored) => {
      if (!stored.startsWith(PREFIX)) return stored
      const [iv, tag, ciphertext] = stored.slice(PREFIX.length).split(":")
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv ?? "", "base64"))
      decipher.setAuthTag(Buffer.from(tag ?? "", "base64"))
      return Buffer.concat([decipher.update(Buffer.from(ciphertext ?? "", "base64")), decipher.final()]).toString("utf8")
    }
  }
}

/** Plaintext unless a layer provides a key: the default needs no wiring. */
export class SecretCipher extends Context.Reference<SecretCipher>()("@herald/core/SecretCipher", {
  defaultValue: (): SecretCipherShape => plaintext
}) {}

/** A 32-byte key as 64 hex characters or base64. */
export const parseKey = (text: string): Either.Either<Uint8Array, string> => {
  const trimmed = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64")
  return bytes.length === 32 ? Either.right(bytes) : Either.left("must be 32 bytes, as 64 hex characters or base64")
}

/**
 * Provides `SecretCipher` with AES-256-GCM for a key; for none, nothing (the default, `plaintext`,
 * holds). `Herald.settingsLayer` uses it (`encryptionKey`).
 */
export const layer = (key: Option.Option<Uint8Array>): Layer.Layer<never> =>
  Option.match(key, {
    onNone: () => Layer.empty,
    onSome: (bytes) => Layer.succeed(SecretCipher, aes256gcm(bytes))
  })
