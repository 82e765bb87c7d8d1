/**
 * Which delivery targets are allowed. By default only https URLs on public
 * addresses: a subscription must not turn Herald into a proxy into the private
 * network (SSRF). Checked, with DNS, when a webhook is created or updated, and
 * again by the transport against the address it actually connects to (no
 * DNS-rebinding bypass).
 * `HERALD_ALLOW_PRIVATE_URLS=true` lifts both checks, for local development.
 */
import { lookup } from "node:dns/promises"
import { BlockList, isIP } from "node:net"
import { Config, Context, Effect, Layer } from "effect"
import { InvalidInput } from "./Errors.js"

const blocked = new BlockList()
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4] // reserved, broadcast
] as const) blocked.addSubnet(network, prefix, "ipv4")
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8] // multicast
] as const) blocked.addSubnet(network, prefix, "ipv6")

/** IPv4 embedded in IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or compatible forms. */
const embeddedIPv4 = (address: string): string | undefined => {
  const lower = address.toLowerCase()
  const match = /^(?:::ffff:|64:ff9b::|::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower)
  if (match === null) return undefined
  if (match[1] !== undefined) return match[1]
  const high = parseInt(match[2]!, 16)
  const low = parseInt(match[3]!, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/** True when `address` (an IP literal) is not a public unicast address. */
export const isPrivateAddress = (address: string): boolean => {
  const unbracketed = address.startsWith("[") ? address.slice(1, -1) : address
  const family = isIP(unbracketed)
  if (family === 4) return blocked.check(unbracketed, "ipv4")
  if (family === 6) {
    const v4 = embeddedIPv4(unbracketed)
    return v4 !== undefined ? blocked.check(v4, "ipv4") : blocked.check(unbracketed, "ipv6")
  }
  return true // not an IP at all: refuse rather than guess
}

/** Resolves a host name to its addresses (all of them). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<string>>

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

/** The resolver `accept` uses: the system's unless a layer provides another (tests have no DNS). */
export class HostResolver extends Context.Reference<HostResolver>()("@herald/core/UrlPolicy/HostResolver", {
  defaultValue: (): Resolver => systemResolver
}) {}

export interface UrlPolicyShape {
  readonly allowPrivate: boolean
  /**
   * Parses and checks a URL without DNS: scheme, credentials, IP literals and
   * local names. Cheap enough for every delivery; the transport then checks the
   * address it actually connects to.
   */
  readonly check: (url: string, path?: ReadonlyArray<string | number>) => Effect.Effect<URL, InvalidInput>
  /**
   * `check`, then resolve the host and refuse it when any address is private:
   * for creating or changing a subscription, so a bad target is refused at once.
   */
  readonly accept: (url: string, path?: ReadonlyArray<string | number>) => Effect.Effect<URL, InvalidInput>
  /** Whether the transport may connect to this resolved address. */
  readonly allowsAddress: (address: string) => boolean
}

export class UrlPolicy extends Context.Tag("@herald/core/UrlPolicy")<UrlPolicy, UrlPolicyShape>() {}

const MAX_URL_LENGTH = 2048

export const make = (options: { readonly allowPrivate: boolean; readonly resolver?: Resolver }): UrlPolicyShape => {
  const { allowPrivate } = options
  const resolver = options.resolver ?? systemResolver
  const check = (raw: string, path: ReadonlyArray<string | number> = ["url"]) => {
    const fail = (message: string) => Effect.fail(InvalidInput.single(path, message))
    if (raw.length > MAX_URL_LENGTH) return fail(`url must be at most ${MAX_URL_LENGTH} characters`)
    if (!URL.canParse(raw)) return fail("url must be an absolute URL")
    // WHATWG parsing also normalises decimal, octal and hex IPv4 hosts to dotted form.
    const url = new URL(raw)
    if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
      return fail(allowPrivate ? "url must use http or https" : "url must use https")
    }
    if (url.username !== "" || url.password !== "") return fail("url must not contain credentials")
    if (url.hostname === "") return fail("url must have a host")
    if (!allowPrivate) {
      const host = url.hostname
      const literal = isIP(host.startsWith("[") ? host.slice(1, -1) : host) !== 0
      if (literal ? isPrivateAddress(host) : /(^|\.)(localhost|local|internal)$/i.test(host) || !host.includes(".")) {
        return fail("url must point to a public host")
      }
    }
    return Effect.succeed(url)
  }
  const accept = (raw: string, path: ReadonlyArray<string | number> = ["url"]) =>
    Effect.flatMap(check(raw, path), (url) => {
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
      if (allowPrivate || isIP(host) !== 0) return Effect.succeed(url)
      return Effect.tryPromise({
        try: () => resolver(host),
        catch: () => InvalidInput.single(path, `url host ${host} does not resolve`)
      }).pipe(
        Effect.flatMap((addresses) =>
          addresses.length === 0
            ? Effect.fail(InvalidInput.single(path, `url host ${host} does not resolve`))
            : addresses.some(isPrivateAddress)
            ? Effect.fail(InvalidInput.single(path, "url must point to a public host"))
            : Effect.succeed(url)
        )
      )
    })
  return {
    allowPrivate,
    check,
    accept,
    allowsAddress: (address) => allowPrivate || !isPrivateAddress(address)
  }
}

export const layer = (options: { readonly allowPrivate: boolean }): Layer.Layer<UrlPolicy> =>
  Layer.effect(UrlPolicy, Effect.map(HostResolver, (resolver) => make({ ...options, resolver })))

export const config = Config.boolean("HERALD_ALLOW_PRIVATE_URLS").pipe(
  Config.withDefault(false),
  Config.withDescription("Allow http:// and private/loopback delivery targets (local development only)")
)

export const layerConfig = Layer.effect(
  UrlPolicy,
  Effect.zipWith(config, HostResolver, (allowPrivate, resolver) => make({ allowPrivate, resolver }))
)
